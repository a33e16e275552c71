package data

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// fakeFiles are tiny MNIST-shaped files: 3 images of 2x2 and their labels.
func fakeFiles() map[string][]byte {
	return map[string][]byte{
		"train-images-idx3-ubyte": makeIDX(0x08, []uint32{3, 2, 2}, []byte{0, 255, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}),
		"train-labels-idx1-ubyte": makeIDX(0x08, []uint32{3}, []byte{5, 0, 9}),
		"t10k-images-idx3-ubyte":  makeIDX(0x08, []uint32{1, 2, 2}, []byte{0, 1, 2, 3}),
		"t10k-labels-idx1-ubyte":  makeIDX(0x08, []uint32{1}, []byte{7}),
	}
}

// fakeSet is an MNIST-like set whose checksums are those of files.
func fakeSet(files map[string][]byte) *imageSet {
	sums := map[string]string{}
	for name, b := range files {
		s := sha256.Sum256(b)
		sums[name] = hex.EncodeToString(s[:])
	}
	return &imageSet{
		name: "Fake", sub: "fake", files: mnistFiles,
		mirrors: func() []string { return nil },
		sums:    func() map[string]string { return sums },
		classes: mnistSet.classes,
	}
}

// serve answers /<file>.gz with the gzipped file, unless override handles it.
func serve(t *testing.T, files map[string][]byte, override func(w http.ResponseWriter, name string) bool) (*httptest.Server, *int32) {
	var hits int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		atomic.AddInt32(&hits, 1)
		name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/"), ".gz")
		if override != nil && override(w, name) {
			return
		}
		b, ok := files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(gz(b))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// assertNoTemp fails if dir holds anything but complete data files.
func assertNoTemp(t *testing.T, dir string, allowed ...string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		ok := false
		for _, a := range allowed {
			if e.Name() == a {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s holds %s after the download", dir, e.Name())
		}
	}
}

func TestDownloadSuccess(t *testing.T) {
	cache := isolate(t)
	files := fakeFiles()
	set := fakeSet(files)
	srv, _ := serve(t, files, nil)
	var progress bytes.Buffer
	train, test, err := loadSet(set, "", []Option{WithMirrors(srv.URL), WithProgress(&progress)})
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 3 || test.Len() != 1 || train.Label(2) != 9 || test.Label(0) != 7 || train.Rows() != 2 {
		t.Errorf("loaded %v / %v", train, test)
	}
	x := make([]float32, 4)
	train.Fill([]int{0}, x, nil)
	if x[0] != 0 || x[1] != 1 || x[2] != float32(1)/255 {
		t.Errorf("Fill scaled %v", x)
	}
	target := filepath.Join(cache, "fake")
	var want []string
	for _, f := range mnistFiles {
		want = append(want, f+".gz")
	}
	assertNoTemp(t, target, want...)
	for _, w := range want {
		if _, err := os.Stat(filepath.Join(target, w)); err != nil {
			t.Errorf("not saved: %v", err)
		}
	}
	if out := progress.String(); !strings.Contains(out, "downloading "+srv.URL+"/train-images-idx3-ubyte.gz") || !strings.Contains(out, "100%") {
		t.Errorf("progress output:\n%s", out)
	}
	// Now cached: offline works and nothing is fetched again.
	if _, _, err := loadSet(set, "", []Option{Offline()}); err != nil {
		t.Errorf("second load from the cache: %v", err)
	}
}

func TestDownloadIntoExplicitDirAndFallback(t *testing.T) {
	isolate(t)
	files := fakeFiles()
	set := fakeSet(files)
	good, _ := serve(t, files, nil)
	bad, badHits := serve(t, files, func(w http.ResponseWriter, _ string) bool {
		http.Error(w, "down", http.StatusInternalServerError)
		return true
	})
	dir := filepath.Join(t.TempDir(), "new", "folder")
	var progress bytes.Buffer
	if _, _, err := loadSet(set, dir, []Option{WithMirrors(bad.URL+"/", good.URL+"/"), WithProgress(&progress)}); err != nil {
		t.Fatal(err)
	}
	if *badHits != 4 {
		t.Errorf("first mirror asked %d times, want 4", *badHits)
	}
	if !strings.Contains(progress.String(), "500 Internal Server Error") {
		t.Errorf("progress does not report the failed mirror:\n%s", progress.String())
	}
	if findFile(dir, "t10k-labels-idx1-ubyte") == "" {
		t.Error("files not downloaded into the explicit folder")
	}
}

func TestDownloadFailures(t *testing.T) {
	files := fakeFiles()
	for _, tc := range []struct {
		name     string
		override func(w http.ResponseWriter, name string) bool
		want     string
	}{
		{"HTTP 500", func(w http.ResponseWriter, _ string) bool {
			http.Error(w, "boom", http.StatusInternalServerError)
			return true
		}, "500 Internal Server Error"},
		{"checksum mismatch", func(w http.ResponseWriter, name string) bool {
			if name != "t10k-labels-idx1-ubyte" {
				return false
			}
			w.Write(gz(makeIDX(0x08, []uint32{1}, []byte{3})))
			return true
		}, "checksum mismatch"},
		{"not IDX (an HTML page)", func(w http.ResponseWriter, _ string) bool {
			w.Write([]byte("<html>moved</html>"))
			return true
		}, "not an IDX file"},
		{"Content-Length lies", func(w http.ResponseWriter, name string) bool {
			b := gz(files[name])
			w.Header().Set("Content-Length", strconv.Itoa(len(b)+1000))
			w.Write(b[:len(b)/2])
			return true
		}, "unexpected EOF"},
		{"connection closed mid-body", func(w http.ResponseWriter, name string) bool {
			b := gz(files[name])
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
			w.Write(b[:len(b)/2])
			w.(http.Flusher).Flush()
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return true
		}, "interrupted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cache := isolate(t)
			set := fakeSet(files)
			srv, _ := serve(t, files, tc.override)
			_, _, err := loadSet(set, "", []Option{WithMirrors(srv.URL)})
			if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want ErrNotFound saying %q", err, tc.want)
			}
			// The mirror's own error is reachable through the wrapping.
			if tc.name == "Content-Length lies" && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("errors.Is(%v, io.ErrUnexpectedEOF) is false", err)
			}
			t.Log(err)
			for _, w := range []string{"missing", "looked in", "-data DIR", EnvDataDir} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			// Only verified, complete files may remain.
			var ok []string
			if tc.name == "checksum mismatch" {
				ok = []string{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"}
			}
			assertNoTemp(t, filepath.Join(cache, "fake"), ok...)
		})
	}
}

func TestLoadCountMismatch(t *testing.T) {
	isolate(t)
	files := fakeFiles()
	files["train-labels-idx1-ubyte"] = makeIDX(0x08, []uint32{2}, []byte{1, 2})
	files["t10k-labels-idx1-ubyte"] = makeIDX(0x08, []uint32{1}, []byte{10})
	dir := t.TempDir()
	for name, b := range files {
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	set := fakeSet(files)
	if _, _, err := loadSet(set, dir, []Option{Offline()}); err == nil || !strings.Contains(err.Error(), "3 images but 2 labels") {
		t.Errorf("count mismatch: error %v", err)
	}
	files["train-labels-idx1-ubyte"] = makeIDX(0x08, []uint32{3}, []byte{1, 2, 3})
	os.WriteFile(filepath.Join(dir, "train-labels-idx1-ubyte"), files["train-labels-idx1-ubyte"], 0o644)
	set = fakeSet(files)
	if _, _, err := loadSet(set, dir, []Option{Offline()}); err == nil || !strings.Contains(err.Error(), "label 10 of image 0 not below 10 classes") {
		t.Errorf("label out of range: error %v", err)
	}
}
