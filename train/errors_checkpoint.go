package train

import (
	"fmt"

	"github.com/pkg/errors"
)

// ErrCorrupt is matched (errors.Is) by every error Load and LoadWeights
// return for a file that is not a sound checkpoint: too short, truncated,
// not a checkpoint at all (bad magic), a checksum mismatch, a header that is
// not valid JSON or declares sizes, tensors, a model, a loss or an optimiser
// that format version 1 cannot hold or the file does not contain, bytes or
// tensors the model does not use, or a weight that is NaN or infinite.
//
// Three failures are not ErrCorrupt, because the file may be sound: a
// format version other than the one this package reads, a layer type this
// program has not registered (nn.ErrUnknownLayer: call nn.RegisterLayer),
// and errors opening or reading the file (fs.ErrNotExist and the like, or a
// path that is not a regular file: a directory, a named pipe, a device).
// The concrete error is a *CorruptError.
var ErrCorrupt = errors.New("corrupt checkpoint")

// ErrArchitecture is matched (errors.Is) by the error LoadWeights returns
// for a checkpoint of a model that differs from the trainer's: another
// input width, number of layers, layer settings or dtype. The concrete
// error is an *ArchitectureError.
var ErrArchitecture = errors.New("checkpoint of another architecture")

// CorruptError reports what is wrong with a checkpoint file.
type CorruptError struct {
	Path string // the file
	Err  error  // the problem found
}

func (e *CorruptError) Error() string { return fmt.Sprintf("checkpoint %s: %v", e.Path, e.Err) }

// Is makes errors.Is(err, ErrCorrupt) hold.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// Unwrap returns the problem found, so that errors.As reaches a cause such
// as a *json.SyntaxError.
func (e *CorruptError) Unwrap() error { return e.Err }

// corrupt reports err as a problem with the checkpoint at path.
func corrupt(path string, err error) error {
	return errors.WithStack(&CorruptError{Path: path, Err: err})
}

// ArchitectureError reports the first difference between a checkpoint's
// model and the model its weights were to be loaded into.
type ArchitectureError struct {
	Path  string // the checkpoint
	Model string // the name of the model it does not fit
	Err   error  // the first difference
}

func (e *ArchitectureError) Error() string {
	return fmt.Sprintf("checkpoint %s does not fit model %q: %v", e.Path, e.Model, e.Err)
}

// Is makes errors.Is(err, ErrArchitecture) hold.
func (e *ArchitectureError) Is(target error) bool { return target == ErrArchitecture }

// Unwrap returns the difference.
func (e *ArchitectureError) Unwrap() error { return e.Err }
