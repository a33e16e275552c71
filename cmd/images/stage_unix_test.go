//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// quick are the flags of the quickest run: the dense recipe, one epoch.
var quick = []string{"-model", "dense", "-epochs", "1", "-quiet"}

// TestRemovesStaleStaging plants what killed runs leave (a staged folder in
// -out, the checkpoint's and the ONNX file's temporary files beside -save
// and -onnx, atomicfile's temporary of the checkpoint's) under the PID of
// an exited child, the same under this process's PID and a live child's,
// and names that only look alike; a run removes the first and keeps the
// rest.
func TestRemovesStaleStaging(t *testing.T) {
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("cannot run true:", err)
	}
	live := exec.Command("sleep", "300")
	if err := live.Start(); err != nil {
		t.Skip("cannot run sleep:", err)
	}
	defer func() { live.Process.Kill(); live.Wait() }()
	d, me, other := strconv.Itoa(dead.Process.Pid), strconv.Itoa(os.Getpid()), strconv.Itoa(live.Process.Pid)

	dir := writeFolder(t, t.TempDir(), 4, 8, 8, 1)
	out, onnxDir := t.TempDir(), t.TempDir()
	stale := []string{
		filepath.Join(out, ".images-staged-"+d+"-1"),
		filepath.Join(out, ".model.ckpt.tmp-"+d+"-2"),
		filepath.Join(out, "..model.ckpt.tmp-"+d+"-2.tmp-"+d+"-3"),
		filepath.Join(onnxDir, ".m.onnx.tmp-"+d+"-4"),
	}
	keep := []string{
		filepath.Join(out, ".images-staged-"+me+"-1"),
		filepath.Join(out, ".images-staged-"+other+"-1"),
		filepath.Join(out, ".model.ckpt.tmp-"+other+"-2"),
		filepath.Join(onnxDir, ".m.onnx.tmp-"+me+"-4"),
		filepath.Join(out, ".images-staged-x-1"),      // no PID
		filepath.Join(out, ".other.ckpt.tmp-"+d+"-5"), // another destination's
	}
	file := filepath.Join(out, ".images-staged-"+d+"-6") // a file, not a folder it made
	for _, p := range append(append([]string(nil), stale...), keep...) {
		if strings.HasPrefix(filepath.Base(p), ".images-staged-") {
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
			put(t, filepath.Join(p, "metrics.json"), "partial")
		} else {
			put(t, p, "partial")
		}
	}
	put(t, file, "mine")
	keep = append(keep, file)

	if err := run(append([]string{"-train", dir, "-out", out, "-onnx", filepath.Join(onnxDir, "m.onnx")}, quick...), &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	for _, p := range stale {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("%s (process %s exited) was not removed: %v", p, d, err)
		}
	}
	for _, p := range keep {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s was removed: %v", p, err)
		}
	}
	if got := len(hiddenEntries(t, out)) + len(hiddenEntries(t, onnxDir)); got != len(keep) {
		t.Errorf("%d hidden entries left, want the %d kept: %v %v", got, len(keep), hiddenEntries(t, out), hiddenEntries(t, onnxDir))
	}
}

// TestKilledRun kills the command (this test binary running main) with
// SIGKILL once every output is written aside and before any is moved into
// place (IMAGES_PAUSE_COMMIT, see TestMain), checks that it left its
// staged folder and temporary files, and that the next run into the same
// -out, -save and -onnx leaves none.
func TestKilledRun(t *testing.T) {
	dir := writeFolder(t, t.TempDir(), 4, 8, 8, 1)
	out, onnxDir := t.TempDir(), t.TempDir()
	marker := filepath.Join(t.TempDir(), "paused")
	args := append([]string{"-train", dir, "-out", out, "-onnx", filepath.Join(onnxDir, "m.onnx")}, quick...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "IMAGES_MAIN=1", "IMAGES_PAUSE_COMMIT="+marker)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// A bound, not a timing: the run takes about a second.
	deadline := time.After(5 * time.Minute)
	for paused := false; !paused; {
		select {
		case err := <-exited:
			t.Fatalf("the run ended before its pause: %v, stderr %q", err, stderr.String())
		case <-deadline:
			cmd.Process.Kill()
			t.Fatalf("no pause within 5 minutes; stderr %q", stderr.String())
		case <-time.After(10 * time.Millisecond):
			_, err := os.Stat(marker)
			paused = err == nil
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	pid := strconv.Itoa(cmd.Process.Pid)
	left := append(hiddenEntries(t, out), hiddenEntries(t, onnxDir)...)
	for _, prefix := range []string{".images-staged-" + pid + "-", ".model.ckpt.tmp-" + pid + "-", ".m.onnx.tmp-" + pid + "-"} {
		found := false
		for _, n := range left {
			found = found || strings.HasPrefix(n, prefix)
		}
		if !found {
			t.Errorf("the killed run left no %s*: %v (the test kills it too late)", prefix, left)
		}
	}
	if entries, _ := os.ReadDir(out); len(entries) != 2 {
		t.Errorf("-out holds %d entries after the kill, want its 2 hidden ones", len(entries))
	}

	if err := run(args, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if left := append(hiddenEntries(t, out), hiddenEntries(t, onnxDir)...); len(left) > 0 {
		t.Errorf("the next run left %v", left)
	}
	for _, p := range []string{filepath.Join(out, "model.ckpt"), filepath.Join(out, "report.html"), filepath.Join(onnxDir, "m.onnx")} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("the next run: %v", err)
		}
	}
}
