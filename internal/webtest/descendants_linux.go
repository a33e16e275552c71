package webtest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// DescendantsCPUSeconds is the user and system CPU time of this process's
// live descendants (a browser's processes), read from /proc: CPU time, so
// unlike the page's task durations it does not grow when the machine is
// busy with other work. Processes that ended are not counted.
func DescendantsCPUSeconds() float64 {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	parent := map[int]int{}
	ticks := map[int]float64{}
	for _, path := range stats {
		raw, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		s := string(raw)
		// pid (comm) state ppid ... utime stime: the name may hold spaces
		// and parentheses, so fields count from the last ')'.
		end := strings.LastIndexByte(s, ')')
		if end < 0 {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(s[:strings.IndexByte(s, '(')]))
		if err != nil {
			continue
		}
		f := strings.Fields(s[end+1:])
		if len(f) < 13 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		ut, _ := strconv.ParseFloat(f[11], 64)
		st, _ := strconv.ParseFloat(f[12], 64)
		parent[pid], ticks[pid] = ppid, ut+st
	}
	self, sum := os.Getpid(), 0.0
	for pid, t := range ticks {
		for p, hops := parent[pid], 0; p != 0 && hops < 64; p, hops = parent[p], hops+1 {
			if p == self {
				sum += t
				break
			}
		}
	}
	return sum / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc's times: 100 on every Linux
// architecture Go supports.
const clockTicks = 100
