// Package atomicfile writes files so that readers, and the file's previous
// version, never see a partial write: the content goes to a temporary file
// in the same folder, which is synced, given mode 0644 and renamed over the
// destination, and the folder is synced so that the rename survives a power
// cut. gradgraph's checkpoints, figures and run reports all use it.
//
// The temporary file is named after the destination and the writing
// process (".NAME.tmp-PID-random"), so that a write killed half-way leaves
// a file the next successful write of the same destination recognises and
// removes once that process is gone.
package atomicfile

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// Write writes path with write, atomically. On any error the temporary file
// is removed and whatever was at path is left untouched.
func Write(path string, write func(w io.Writer) error) (err error) {
	if path == "" {
		return errors.New("empty output path")
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, tempPrefix(filepath.Base(path))+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return errors.Wrapf(err, "write %s", path)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = write(f); err != nil {
		return errors.Wrapf(err, "write %s", path)
	}
	// CreateTemp makes the file 0600; outputs are for anyone who can read
	// the folder.
	if err = f.Chmod(0o644); err != nil {
		return errors.Wrapf(err, "write %s", path)
	}
	if err = f.Sync(); err != nil {
		return errors.Wrapf(err, "write %s", path)
	}
	if err = f.Close(); err != nil {
		return errors.Wrapf(err, "write %s", path)
	}
	if err = os.Rename(tmp, path); err != nil {
		return errors.Wrapf(err, "write %s", path)
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	removeStale(dir, filepath.Base(path))
	return nil
}

func tempPrefix(base string) string { return "." + base + ".tmp-" }

// removeStale removes the temporary files that writes of base by processes
// that no longer run have left in dir (killed mid-write).
func removeStale(dir, base string) {
	RemoveStale(dir, func(b string) bool { return b == base })
}

// RemoveStale removes the temporary files that writes by processes that no
// longer run have left in dir (killed mid-write), for every destination
// whose base name match accepts. Write calls it for its own destination
// after each success; a caller that writes a new name each time (one file
// per epoch, say) calls it with a pattern, since no later write of a killed
// write's destination will come to clean up after it. Files of this process,
// of live processes, and names it does not recognise are kept; errors are
// ignored, as this is housekeeping.
func RemoveStale(dir string, match func(base string) bool) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		base, pid, ok := parseTemp(e.Name())
		if !ok || !e.Type().IsRegular() || !match(base) || pid == os.Getpid() || ProcessAlive(pid) {
			continue
		}
		os.Remove(filepath.Join(dir, e.Name()))
	}
}

// parseTemp splits a temporary file's name, ".BASE.tmp-PID-random", into
// the destination's base name and the writer's PID.
func parseTemp(name string) (base string, pid int, ok bool) {
	i := strings.LastIndex(name, ".tmp-")
	if !strings.HasPrefix(name, ".") || i < 1 {
		return "", 0, false
	}
	pidText, random, ok := strings.Cut(name[i+len(".tmp-"):], "-")
	if !ok || random == "" {
		return "", 0, false
	}
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 {
		return "", 0, false
	}
	return name[1:i], pid, true
}

// WriteBytes writes data to path atomically.
func WriteBytes(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
