package main

import (
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// maxCPUFlag bounds -cpu values: GOMAXPROCS beyond this is a typo, not a
// machine.
const maxCPUFlag = 4096

// parseCPUList parses -cpu, a comma-separated list of GOMAXPROCS values
// such as "1,2", each in 1..4096, without repeats; the order is kept, so the
// table lists them as given.
func parseCPUList(s string) ([]int, error) {
	var out []int
	seen := map[int]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > maxCPUFlag {
			return nil, errors.Errorf("-cpu %q: %q is not a GOMAXPROCS value in 1..%d", s, f, maxCPUFlag)
		}
		if seen[n] {
			return nil, errors.Errorf("-cpu %q: %d given twice", s, n)
		}
		seen[n] = true
		out = append(out, n)
	}
	return out, nil
}

// cpuListString writes cpus as -cpu takes them.
func cpuListString(cpus []int) string {
	parts := make([]string, len(cpus))
	for i, c := range cpus {
		parts[i] = strconv.Itoa(c)
	}
	return strings.Join(parts, ",")
}
