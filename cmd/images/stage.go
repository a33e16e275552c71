package main

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/internal/atomicfile"
)

// staged holds a run's outputs aside until all of them are written, so
// that a run that fails (a damaged test image found in evaluation, an
// export that cannot be written, a full disk) leaves every file of an
// earlier run where it was: the checkpoint and the ONNX file go to
// temporary files beside -save and -onnx, everything else to a temporary
// folder in -out, and commit renames them into place only at the end.
//
// They are made before training, which checks up front that each can be
// written where it must go. A run killed before commit leaves them behind;
// the next run's stage removes those of processes that have gone
// (removeStale).
type staged struct {
	ckpt, onnx string // temporary files beside -save and -onnx ("" without -onnx)
	dir        string // temporary folder in -out for its other files
}

// stage checks -save and -onnx (neither a folder, nor the same file, their
// folders made if need be and writable), removes what killed runs left
// (removeStale) and makes the temporary files and folder. -out has been
// made and checked writable (report.OutDir).
func stage(c config) (*staged, error) {
	if err := notFolder("-save", c.save); err != nil {
		return nil, err
	}
	if c.onnxOut != "" {
		if err := notFolder("-onnx", c.onnxOut); err != nil {
			return nil, err
		}
		a, aerr := filepath.Abs(c.save)
		b, berr := filepath.Abs(c.onnxOut)
		if aerr == nil && berr == nil && a == b {
			return nil, errors.Errorf("-onnx %s: the same file as -save's checkpoint; give them different paths", c.onnxOut)
		}
	}
	removeStale(c)
	st := &staged{}
	var err error
	if st.ckpt, err = tempBeside("-save", c.save); err != nil {
		return nil, err
	}
	if c.onnxOut != "" {
		if st.onnx, err = tempBeside("-onnx", c.onnxOut); err != nil {
			st.discard()
			return nil, err
		}
	}
	if st.dir, err = os.MkdirTemp(c.out, stagedPrefix+strconv.Itoa(os.Getpid())+"-"); err != nil {
		st.discard()
		return nil, errors.Wrapf(err, "-out %s", c.out)
	}
	return st, nil
}

// stagedPrefix begins the name of a run's temporary folder in -out,
// ".images-staged-PID-random", so that a later run can tell whose it is.
const stagedPrefix = ".images-staged-"

// removeStale removes what runs killed before their commit left behind:
// their temporary folders in -out, and their temporary files beside -save
// and -onnx, which atomicfile's own clean-up never reaches, since the
// command renames them into place itself rather than writing the
// destination with atomicfile.Write. It keeps what this process and every
// live process own (a second run writing to the same -out), decided by
// atomicfile.ProcessAlive, and anything it cannot attribute to a PID.
// Errors are ignored: this is housekeeping, and the next run tries again.
func removeStale(c config) {
	if entries, err := os.ReadDir(c.out); err == nil {
		for _, e := range entries {
			if pid, ok := stagedPID(e.Name()); ok && e.IsDir() && pid != os.Getpid() && !atomicfile.ProcessAlive(pid) {
				os.RemoveAll(filepath.Join(c.out, e.Name()))
			}
		}
	}
	for _, path := range []string{c.save, c.onnxOut} {
		if path == "" {
			continue
		}
		base := filepath.Base(path)
		// The temporary file itself (".NAME.tmp-PID-random"), and
		// atomicfile.Write's own temporary of it, left when the kill came
		// while the checkpoint or the ONNX file was being written.
		atomicfile.RemoveStale(filepath.Dir(path), func(b string) bool {
			return b == base || strings.HasPrefix(b, "."+base+".tmp-")
		})
	}
}

// stagedPID reads the PID from a temporary folder's name,
// ".images-staged-PID-random"; ok is false for any other name.
func stagedPID(name string) (pid int, ok bool) {
	rest, found := strings.CutPrefix(name, stagedPrefix)
	if !found {
		return 0, false
	}
	pidText, random, found := strings.Cut(rest, "-")
	if !found || random == "" {
		return 0, false
	}
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 || strconv.Itoa(pid) != pidText {
		return 0, false
	}
	return pid, true
}

// notFolder refuses a path that names an existing folder: it would fail
// only when the file is renamed into place, after training.
func notFolder(flag, path string) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return errors.Errorf("%s %s: a folder, not a file: give the path of the file to write", flag, path)
	}
	return nil
}

// tempBeside makes path's folder if need be and an empty temporary file in
// it, named as package internal/atomicfile names its temporary files
// (".NAME.tmp-PID-random"), so that one left by a killed run is removed by
// the next write of NAME.
func tempBeside(flag, path string) (string, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", errors.Wrap(err, flag)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-"+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return "", errors.Wrapf(err, "%s %s: its folder is not writable", flag, path)
	}
	name := f.Name()
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", errors.Wrap(err, flag)
	}
	return name, nil
}

// outFile is the staged path of -out's file name.
func (st *staged) outFile(name string) string { return filepath.Join(st.dir, name) }

// discard removes whatever is staged; after commit it removes the empty
// folder.
func (st *staged) discard() {
	for _, p := range []string{st.ckpt, st.onnx} {
		if p != "" {
			os.Remove(p)
		}
	}
	if st.dir != "" {
		os.RemoveAll(st.dir)
	}
}

// rename is os.Rename; tests replace it to fail part way through commit.
var rename = os.Rename

// move is one of commit's renames: a staged file to its destination.
type move struct{ from, to, flag string }

// partial is commit's error when a rename fails; after others succeeded,
// -out then holds some of this run's files beside an earlier run's, and
// the message says which are which, since the staged files that were not
// moved are discarded with the run.
func partial(c config, err error, flag string, done, left []move) error {
	names := func(ms []move) string {
		var s []string
		for _, m := range ms {
			if m.flag == "-out" {
				s = append(s, filepath.Base(m.to))
			} else {
				s = append(s, m.flag+" "+m.to)
			}
		}
		if len(s) == 0 {
			return "none"
		}
		return strings.Join(s, ", ")
	}
	if len(done) == 0 {
		return errors.Wrapf(err, "%s: nothing was moved into place; an earlier run's files are as they were", flag)
	}
	return errors.Wrapf(err, "%s: moving this run's files into place failed part way (-out %s); moved: %s; not moved, an earlier run's kept if any: %s",
		flag, c.out, names(done), names(left))
}

// commit moves the staged files into place: the checkpoint, the ONNX file,
// then -out's files with report.md and report.html last. It first checks
// that no destination is a folder, so that only a failing rename, not a
// foreseeable refusal, can leave a run half committed; its error then
// names the files moved and those not (partial).
func (st *staged) commit(c config) error {
	entries, err := os.ReadDir(st.dir)
	if err != nil {
		return errors.Wrapf(err, "-out %s", c.out)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	last := func(n string) bool { return strings.HasPrefix(n, "report.") }
	sort.SliceStable(names, func(i, j int) bool { return !last(names[i]) && last(names[j]) })
	moves := []move{{st.ckpt, c.save, "-save"}}
	if st.onnx != "" {
		moves = append(moves, move{st.onnx, c.onnxOut, "-onnx"})
	}
	for _, n := range names {
		moves = append(moves, move{filepath.Join(st.dir, n), filepath.Join(c.out, n), "-out"})
	}
	for _, m := range moves {
		if err := notFolder(m.flag, m.to); err != nil {
			return err
		}
	}
	dirs := map[string]bool{}
	for i, m := range moves {
		if err := rename(m.from, m.to); err != nil {
			return partial(c, err, m.flag, moves[:i], moves[i:])
		}
		dirs[filepath.Dir(m.to)] = true
	}
	// The renames survive a power cut once their folders are synced, as
	// atomicfile does for its own.
	for dir := range dirs {
		if d, err := os.Open(dir); err == nil {
			d.Sync()
			d.Close()
		}
	}
	st.ckpt, st.onnx = "", ""
	return nil
}
