package data

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/pkg/errors"
)

// LabeledImages is a set of labelled 8-bit images that WriteImageFolder can
// write out: *Images (grey, shape (rows, cols, 1)) and *ImageFolderSet
// (grey or RGB) are.
type LabeledImages interface {
	Len() int
	// Shape is (height, width, channels), channels 1 (grey) or 3 (RGB).
	Shape() []int
	// Pixels returns the height × width × channels bytes of image i.
	Pixels(i int) []byte
	Label(i int) int
	Classes() []string
}

// ImageFolderLabelsFile is the CSV file WriteImageFolder writes beside the
// class folders.
const ImageFolderLabelsFile = "labels.csv"

// WriteImageFolder writes src out as a folder ImageFolder reads: one
// subfolder per class, named by classNames (by src.Classes() when nil),
// holding image i as a PNG file named by its index, zero-padded to at least
// five digits (dir/<class>/00042.png), grey or RGB as src is. It also writes
// dir/labels.csv (ImageFolderLabelsFile): a header, then filename,label for
// every image in src's order. A folder is made for every class, even one
// without images.
//
// Reading the folder back gives the same pixels, bit for bit (PNG is
// lossless): by class folders, with ClassNames set to the same names to
// keep the label order, the images come grouped by class; with LabelsCSV
// set to dir/labels.csv they come in src's order too, so that training
// on them matches training on src.
//
// dir must be empty or not exist. Class names must be usable as folder
// names: not empty, ".", "..", nor containing a path separator or NUL (pass
// classNames to rename, e.g. "T-shirt_top" for Fashion-MNIST's
// "T-shirt/top"). Images are encoded by GOMAXPROCS goroutines.
func WriteImageFolder(dir string, src LabeledImages, classNames []string) error {
	if src == nil {
		return errors.New("data: WriteImageFolder: nil images")
	}
	shape := src.Shape()
	if len(shape) != 3 || shape[0] <= 0 || shape[1] <= 0 || (shape[2] != 1 && shape[2] != 3) {
		return errors.Errorf("data: WriteImageFolder %s: image shape %v, want (height, width, 1 or 3)", dir, shape)
	}
	h, w, c := shape[0], shape[1], shape[2]
	if classNames == nil {
		classNames = src.Classes()
	}
	if len(classNames) != len(src.Classes()) {
		return errors.Errorf("data: WriteImageFolder %s: %d class names for %d classes", dir, len(classNames), len(src.Classes()))
	}
	seen := map[string]bool{}
	for i, name := range classNames {
		if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\\x00") || strings.HasPrefix(name, ".") {
			return errors.Errorf("data: WriteImageFolder %s: class %d %q cannot be a folder name (empty, starting with '.', or with '/', '\\' or NUL): "+
				"pass classNames with folder names for the classes", dir, i, name)
		}
		if seen[name] {
			return errors.Errorf("data: WriteImageFolder %s: class name %q given twice", dir, name)
		}
		seen[name] = true
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return errors.Errorf("data: WriteImageFolder %s: the folder is not empty (it holds %s)", dir, entries[0].Name())
	}
	for _, name := range classNames {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			return errors.Wrap(err, "data: WriteImageFolder")
		}
	}
	n := src.Len()
	digits := max(5, len(fmt.Sprint(n-1)))
	rel := func(i int) string {
		return filepath.Join(classNames[src.Label(i)], fmt.Sprintf("%0*d.png", digits, i))
	}
	for i := 0; i < n; i++ {
		if l := src.Label(i); l < 0 || l >= len(classNames) {
			return errors.Errorf("data: WriteImageFolder %s: image %d has label %d, not below %d classes", dir, i, l, len(classNames))
		}
	}

	var next int64
	var mu sync.Mutex
	var firstErr error
	firstAt := n
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(n, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A pool of one: the worker's encoder keeps its zlib writer
			// (about 1 MB of state) instead of making one per image.
			enc := png.Encoder{CompressionLevel: png.DefaultCompression, BufferPool: &onePNGBuffer{}}
			gray := image.NewGray(image.Rect(0, 0, w, h))
			rgba := image.NewRGBA(image.Rect(0, 0, w, h))
			for {
				mu.Lock()
				i := int(next)
				next++
				stop := firstErr != nil
				mu.Unlock()
				if i >= n || stop {
					return
				}
				var img image.Image = gray
				px := src.Pixels(i)
				if c == 1 {
					copy(gray.Pix, px)
				} else {
					for p, o := 0, 0; p < len(px); p, o = p+3, o+4 {
						rgba.Pix[o], rgba.Pix[o+1], rgba.Pix[o+2], rgba.Pix[o+3] = px[p], px[p+1], px[p+2], 255
					}
					img = rgba
				}
				if err := writePNG(filepath.Join(dir, rel(i)), &enc, img); err != nil {
					mu.Lock()
					if i < firstAt {
						firstErr, firstAt = err, i
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}

	path := filepath.Join(dir, ImageFolderLabelsFile)
	f, err := os.Create(path)
	if err != nil {
		return errors.Wrap(err, "data: WriteImageFolder")
	}
	bw := bufio.NewWriter(f)
	cw := csv.NewWriter(bw)
	cw.Write([]string{"filename", "label"})
	for i := 0; i < n; i++ {
		cw.Write([]string{filepath.ToSlash(rel(i)), classNames[src.Label(i)]})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		f.Close()
		return errors.Wrapf(err, "data: WriteImageFolder: %s", path)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return errors.Wrapf(err, "data: WriteImageFolder: %s", path)
	}
	return errors.Wrap(f.Close(), "data: WriteImageFolder")
}

func writePNG(path string, enc *png.Encoder, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return errors.Wrap(err, "data: WriteImageFolder")
	}
	bw := bufio.NewWriter(f)
	if err := enc.Encode(bw, img); err != nil {
		f.Close()
		return errors.Wrapf(err, "data: WriteImageFolder: %s", path)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return errors.Wrapf(err, "data: WriteImageFolder: %s", path)
	}
	return errors.Wrapf(f.Close(), "data: WriteImageFolder: %s", path)
}

// onePNGBuffer is a png.EncoderBufferPool holding one buffer, for one
// goroutine's encoder.
type onePNGBuffer struct{ b *png.EncoderBuffer }

func (p *onePNGBuffer) Get() *png.EncoderBuffer  { return p.b }
func (p *onePNGBuffer) Put(b *png.EncoderBuffer) { p.b = b }
