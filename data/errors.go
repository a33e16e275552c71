package data

import (
	"fmt"
	"strings"

	"github.com/pkg/errors"
)

// ErrNotFound is matched (errors.Is) by the error MNIST and FashionMNIST
// return when some of a data set's files are in none of the folders
// searched and could not be downloaded (offline, no folder to download
// into, or every mirror failed). The concrete error is a *NotFoundError.
var ErrNotFound = errors.New("data set files not found")

// NotFoundError says which files of a data set are missing, where they were
// looked for, and why they could not be fetched.
type NotFoundError struct {
	Set     string   // the data set, e.g. "MNIST"
	Missing []string // the missing files' base names, without .gz
	Dirs    []string // the folders searched, in order
	Cause   error    // why they were not downloaded

	sub, howto string // for the advice in the message
}

// Error says what is missing, where it was looked for, why it could not be
// fetched, and how to provide it.
func (e *NotFoundError) Error() string {
	missing := make([]string, len(e.Missing))
	for i, m := range e.Missing {
		missing[i] = m + "[.gz]"
	}
	return fmt.Sprintf("data: %s: missing %s; looked in %s; %v. "+
		"Provide the files: put them in a folder and pass it (-data DIR), or set %s to a folder with a %s/ subfolder%s",
		e.Set, strings.Join(missing, ", "), strings.Join(e.Dirs, ", "), e.Cause, EnvDataDir, e.sub, e.howto)
}

// Is makes errors.Is(err, ErrNotFound) hold.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// Unwrap returns the cause, so that errors.Is and errors.As reach, say, a
// network error from the last mirror tried.
func (e *NotFoundError) Unwrap() error { return e.Cause }
