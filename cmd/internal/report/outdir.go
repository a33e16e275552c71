package report

import (
	"os"

	"github.com/pkg/errors"
)

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
