package report

import (
	"os"
	"path/filepath"

	"github.com/pkg/errors"
)

// WriteFile writes data to path through a temporary file in the same folder,
// synced and then renamed over path: readers see the old file or the new
// one, never a part.
func WriteFile(path string, write func(f *os.File) error) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return errors.Wrapf(err, "write %s", path)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := write(f); err != nil {
		return errors.Wrapf(err, "write %s", path)
	}
	// CreateTemp makes the file 0600; outputs are for reading by anyone
	// who can read the folder, like the PNGs beside them.
	if err := f.Chmod(0o644); err != nil {
		return errors.Wrapf(err, "write %s", path)
	}
	if err := f.Sync(); err != nil {
		return errors.Wrapf(err, "write %s", path)
	}
	if err := f.Close(); err != nil {
		return errors.Wrapf(err, "write %s", path)
	}
	if err := os.Rename(tmp, path); err != nil {
		return errors.Wrapf(err, "write %s", path)
	}
	ok = true
	return nil
}

// OutDir creates dir (and parents) and checks that files can be written in
// it, so that a run fails before training rather than after.
func OutDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errors.Wrapf(err, "output folder %s", dir)
	}
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return errors.Wrapf(err, "output folder %s is not writable", dir)
	}
	f.Close()
	return os.Remove(f.Name())
}
