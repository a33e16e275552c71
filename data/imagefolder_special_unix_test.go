//go:build unix

package data

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// within runs f and fails the test if it has not returned after 10 s (not a
// timing assertion: it turns a hang into a failure), opening the named
// pipes in release for writing so that a blocked reader returns.
func within(t *testing.T, name string, release []string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		for _, p := range release {
			if w, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Close()
			}
		}
		t.Fatalf("%s: still blocked after 10 s", name)
		return nil
	}
}

// TestImageFolderRefusesSpecialFiles: a named pipe, a socket or a device
// (through a link) named like an image in a class folder, or named by the
// labels CSV, or as the labels CSV, is refused when the folder is listed,
// in memory and as a stream, with an error naming the file and saying what
// it is. Reading a named pipe blocked ImageFolder and StreamImageFolder
// forever; /dev/zero would never end.
func TestImageFolderRefusesSpecialFiles(t *testing.T) {
	outside := t.TempDir()
	fifo := filepath.Join(outside, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("cannot make a named pipe:", err)
	}
	cases := []struct {
		name string
		// make adds the special file to the good folder dir and returns its
		// path and the options to list dir with.
		make func(t *testing.T, dir string) (string, ImageFolderOptions)
		what string
	}{
		{"named pipe in a class folder", func(t *testing.T, dir string) (string, ImageFolderOptions) {
			p := filepath.Join(dir, "b", "x.png")
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				t.Fatal(err)
			}
			return p, ImageFolderOptions{}
		}, "a named pipe (FIFO)"},
		{"named pipe in a nested folder, bad files skipped", func(t *testing.T, dir string) (string, ImageFolderOptions) {
			p := filepath.Join(dir, "a", "deep", "x.jpg")
			if err := os.Mkdir(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				t.Fatal(err)
			}
			return p, ImageFolderOptions{OnBadFile: SkipBadFiles}
		}, "a named pipe (FIFO)"},
		{"socket", func(t *testing.T, dir string) (string, ImageFolderOptions) {
			p := filepath.Join(dir, "b", "s.png")
			l, err := net.Listen("unix", p)
			if err != nil {
				t.Skip("cannot make a socket:", err)
			}
			t.Cleanup(func() { l.Close() })
			return p, ImageFolderOptions{}
		}, "a socket"},
		{"link to a named pipe", func(t *testing.T, dir string) (string, ImageFolderOptions) {
			p := filepath.Join(dir, "b", "l.png")
			if err := os.Symlink(fifo, p); err != nil {
				t.Fatal(err)
			}
			return p, ImageFolderOptions{}
		}, "a named pipe (FIFO)"},
		{"link to /dev/zero", func(t *testing.T, dir string) (string, ImageFolderOptions) {
			p := filepath.Join(dir, "a", "z.gif")
			if err := os.Symlink("/dev/zero", p); err != nil {
				t.Fatal(err)
			}
			return p, ImageFolderOptions{}
		}, "a device"},
		{"labels CSV naming a named pipe", func(t *testing.T, dir string) (string, ImageFolderOptions) {
			p := filepath.Join(dir, "b", "x.png")
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				t.Fatal(err)
			}
			csv := filepath.Join(t.TempDir(), "labels.csv")
			writeFile(t, csv, []byte("filename,label\na/img000.png,a\nb/img001.png,b\nb/x.png,b\n"))
			return p, ImageFolderOptions{LabelsCSV: csv}
		}, "a named pipe (FIFO)"},
		{"labels CSV that is a named pipe", func(t *testing.T, dir string) (string, ImageFolderOptions) {
			p := filepath.Join(t.TempDir(), "labels.csv")
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				t.Fatal(err)
			}
			return p, ImageFolderOptions{LabelsCSV: p}
		}, "a named pipe (FIFO)"},
	}
	for _, c := range cases {
		dir := t.TempDir()
		indexedFolder(t, dir, 6, "a", "b")
		path, opt := c.make(t, dir)
		release := []string{fifo, path}
		for _, how := range []string{"ImageFolder", "StreamImageFolder"} {
			err := within(t, c.name+", "+how, release, func() error {
				if how == "ImageFolder" {
					_, err := ImageFolder(dir, opt)
					return err
				}
				_, err := StreamImageFolder(dir, ImageStreamOptions{ImageFolderOptions: opt})
				return err
			})
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.what+", not a regular file") {
				t.Errorf("%s, %s: error %v; want one naming %s as %s, not a regular file", c.name, how, err, path, c.what)
			}
		}
	}
}

// TestStreamRefusesPipeAfterListing: an image replaced by a named pipe
// after the stream listed it fails that sample, naming the file, rather
// than blocking the read.
func TestStreamRefusesPipeAfterListing(t *testing.T) {
	dir := t.TempDir()
	indexedFolder(t, dir, 6, "a", "b")
	s, err := StreamImageFolder(dir, ImageStreamOptions{ImageFolderOptions: ImageFolderOptions{Workers: 2}})
	if err != nil {
		t.Fatal(err)
	}
	victim := s.Files[2]
	if err := os.Remove(victim); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(victim, 0o600); err != nil {
		t.Skip("cannot make a named pipe:", err)
	}
	x := make([]float32, 3*s.Features())
	err = within(t, "Fill", []string{victim}, func() error { s.Fill([]int{1, 2, 3}, x, nil); return s.Err() })
	var bad BadImage
	if err == nil || !errors.As(err, &bad) || bad.Path != victim || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Err %v; want a BadImage naming %s, not a regular file", err, victim)
	}
}
