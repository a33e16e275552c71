package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

func TestWriteKeepsOldContentOnFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.json")
	if err := WriteBytes(path, []byte("old")); err != nil {
		t.Fatal(err)
	}
	err := Write(path, func(w io.Writer) error {
		io.WriteString(w, "half of the new")
		return errors.New("disk full")
	})
	if err == nil {
		t.Fatal("failed write reported no error")
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Errorf("file holds %q after a failed write, want the old content", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files in the folder, want only out.json (no temp files)", len(entries))
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
}

func TestWriteErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, nil, 0o644)
	for _, p := range []string{"", filepath.Join(file, "under-a-file"), filepath.Join(t.TempDir(), "no", "dir", "x")} {
		if err := WriteBytes(p, []byte("x")); err == nil {
			t.Errorf("WriteBytes(%q) gave no error", p)
		}
	}
}

// TestWriteRemovesStaleTemps plants the temporary files of a process that
// has exited (killed mid-write), of a live process and of this one, plus
// names of another destination and of an older format, and checks that a
// successful write removes only the first.
func TestWriteRemovesStaleTemps(t *testing.T) {
	if !ProcessAlive(os.Getpid()) {
		t.Skip("no way to tell live processes here")
	}
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("cannot run true:", err)
	}
	live := exec.Command("sleep", "30")
	if err := live.Start(); err != nil {
		t.Skip("cannot run sleep:", err)
	}
	defer func() { live.Process.Kill(); live.Wait() }()
	dir := t.TempDir()
	path := filepath.Join(dir, "model.ckpt")
	name := func(pid int) string { return ".model.ckpt.tmp-" + strconv.Itoa(pid) + "-123" }
	stale := name(dead.Process.Pid)
	keep := []string{name(live.Process.Pid), name(os.Getpid()), ".other.ckpt.tmp-" + strconv.Itoa(dead.Process.Pid) + "-1", ".model.ckpt.tmp-998877"}
	for _, n := range append([]string{stale}, keep...) {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteBytes(path, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, stale)); !os.IsNotExist(err) {
		t.Errorf("%s (process %d exited) was not removed: %v", stale, dead.Process.Pid, err)
	}
	for _, n := range keep {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s was removed or unreadable: %v", n, err)
		}
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Errorf("destination holds %q, want %q", b, "new")
	}
}

// RemoveStale with a pattern removes the dead writers' temporary files of
// every matching destination, not only of one, and keeps the rest.
func TestRemoveStaleByPattern(t *testing.T) {
	if !ProcessAlive(os.Getpid()) {
		t.Skip("no way to tell live processes here")
	}
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("cannot run true:", err)
	}
	dir := t.TempDir()
	d := strconv.Itoa(dead.Process.Pid)
	stale := []string{".ckpt-3.gg.tmp-" + d + "-1", ".ckpt-12.gg.tmp-" + d + "-77"}
	keep := []string{
		".ckpt-4.gg.tmp-" + strconv.Itoa(os.Getpid()) + "-1", // this process
		".other-3.gg.tmp-" + d + "-1",                        // no match
		".ckpt-5.gg.tmp-" + d,                                // not a temp name
		"ckpt-3.gg",                                          // a destination
	}
	for _, n := range append(append([]string(nil), stale...), keep...) {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	RemoveStale(dir, func(base string) bool {
		return len(base) > len("ckpt-.gg") && base[:5] == "ckpt-" && base[len(base)-3:] == ".gg"
	})
	for _, n := range stale {
		if _, err := os.Stat(filepath.Join(dir, n)); !os.IsNotExist(err) {
			t.Errorf("%s (process %s exited) was not removed: %v", n, d, err)
		}
	}
	for _, n := range keep {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s was removed or unreadable: %v", n, err)
		}
	}
}

// ProcessAlive: this process is alive, a child that has been waited for is
// not, and the PIDs that name process groups to kill(2) are kept as alive.
func TestProcessAlive(t *testing.T) {
	if !ProcessAlive(os.Getpid()) {
		t.Fatal("this process reported dead")
	}
	for _, pid := range []int{0, -1} {
		if !ProcessAlive(pid) {
			t.Errorf("PID %d reported dead: a caller would remove what it labels", pid)
		}
	}
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("cannot run true:", err)
	}
	if ProcessAlive(dead.Process.Pid) && runtime.GOOS != "windows" && runtime.GOOS != "plan9" {
		t.Errorf("PID %d of an exited, waited child reported alive", dead.Process.Pid)
	}
}

func ExampleProcessAlive() {
	fmt.Println(ProcessAlive(os.Getpid()))
	// Output: true
}
