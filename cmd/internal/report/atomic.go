package report

import (
	"io"
	"os"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/internal/atomicfile"
)

// WriteFile writes path atomically with write (package internal/atomicfile).
func WriteFile(path string, write func(w io.Writer) error) error {
	return atomicfile.Write(path, write)
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
