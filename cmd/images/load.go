package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/data"
)

// sets are the training and test images as the model reads them (raw
// pixel values, rawPixels), with what the outputs need to know of them.
type sets struct {
	train, test   data.Source
	classes       []string
	h, w, c       int
	split         bool // test is the -val part of -train
	val           float64
	stream        bool
	loadSeconds   float64 // listing and, in memory, decoding
	trainDir, dir string  // dir: where the test images are
}

func (s *sets) shape() []int { return []int{s.h, s.w, s.c} }

// testName is what the test images are called in messages and figures.
func (s *sets) testName() string {
	if s.split {
		return "Validation"
	}
	return "Test"
}

func (s *sets) describe() string {
	how := "decoded up front"
	if s.stream {
		how = "streamed"
	}
	of := "-test " + s.dir
	if s.split {
		of = fmt.Sprintf("%g of -train held out", s.val)
	}
	return fmt.Sprintf("Data: %d classes (%s); %d training and %d %s images (%s) of %dx%dx%d (width x height x channels), %s in %.2f s",
		len(s.classes), strings.Join(s.classes, ", "), s.train.Len(), s.test.Len(), strings.ToLower(s.testName()), of,
		s.w, s.h, s.c, how, s.loadSeconds)
}

// imageSet is what both an in-memory folder and a stream give.
type imageSet interface {
	data.Source
	Shape() []int
	Classes() []string
}

// load reads -train and -test (or the -val split of -train), in memory or
// as streams. Errors name the flag whose folder is at fault.
func load(c config) (*sets, error) {
	start := time.Now()
	opt := data.ImageFolderOptions{Width: c.width, Height: c.height, Grayscale: c.gray, Workers: c.workers, Seed: c.seed}
	var tr, te imageSet
	var err error
	if c.testDir == "" {
		opt.ValidationSplit = c.val
		tr, te, err = open(c.trainDir, opt, c.stream, true)
		if err != nil {
			return nil, flagError("-train", err)
		}
	} else {
		if tr, _, err = open(c.trainDir, opt, c.stream, false); err != nil {
			return nil, flagError("-train", err)
		}
		opt.ClassNames = tr.Classes()
		if te, _, err = open(c.testDir, opt, c.stream, false); err != nil {
			return nil, flagError("-test (its class folders must be -train's)", err)
		}
		if a, b := tr.Shape(), te.Shape(); a[0] != b[0] || a[1] != b[1] {
			return nil, errors.Errorf("-test %s has %dx%d images, -train %s %dx%d: give -size WxH to resize both",
				c.testDir, b[1], b[0], c.trainDir, a[1], a[0])
		}
	}
	sh := tr.Shape()
	s := &sets{train: raw(tr), test: raw(te), classes: tr.Classes(), h: sh[0], w: sh[1], c: sh[2],
		split: c.testDir == "", val: c.val, stream: c.stream, trainDir: c.trainDir, dir: c.testDir,
		loadSeconds: time.Since(start).Seconds()}
	return s, nil
}

// flagError names the flag whose folder err is about (the data package's
// message names the folder and the file), and for images of several sizes
// the flag that resizes them, where data speaks of its Width and Height
// options.
func flagError(flag string, err error) error {
	if strings.Contains(err.Error(), "images differ in size") {
		return errors.Wrapf(err, "%s (give -size WxH to resize every image to one size)", flag)
	}
	if strings.Contains(err.Error(), "ValidationSplit") {
		return errors.Wrapf(err, "%s (-val is the ValidationSplit)", flag)
	}
	return errors.Wrap(err, flag)
}

// open reads dir in memory (ImageFolder, ImageFolderSplit) or as a stream
// (StreamImageFolder, one per subset); split returns both subsets of
// opt.ValidationSplit.
func open(dir string, opt data.ImageFolderOptions, stream, split bool) (a, b imageSet, err error) {
	if !stream {
		if split {
			tr, va, err := data.ImageFolderSplit(dir, opt)
			if err != nil {
				return nil, nil, err
			}
			return tr, va, nil
		}
		s, err := data.ImageFolder(dir, opt)
		if err != nil {
			return nil, nil, err
		}
		return s, nil, nil
	}
	if !split {
		s, err := data.StreamImageFolder(dir, data.ImageStreamOptions{ImageFolderOptions: opt})
		if err != nil {
			return nil, nil, err
		}
		return s, nil, nil
	}
	opt.Subset = data.SubsetTraining
	tr, err := data.StreamImageFolder(dir, data.ImageStreamOptions{ImageFolderOptions: opt})
	if err != nil {
		return nil, nil, err
	}
	opt.Subset = data.SubsetValidation
	va, err := data.StreamImageFolder(dir, data.ImageStreamOptions{ImageFolderOptions: opt})
	if err != nil {
		return nil, nil, err
	}
	return tr, va, nil
}

// rawPixels gives an image set's pixels as the values 0..255 that the
// files hold, for a model whose first layer is Rescaling(1/255), rather
// than the [0, 1] of the data package's sources: Fill multiplies their
// x/255 by 255, which gives back x exactly for every byte (the test
// checks all 256). Labels, shape, class names, hints and errors pass
// through.
type rawPixels struct {
	imageSet
}

// rawStream is rawPixels of a source that reads lazily: it passes on
// Prefetch hints and Err.
type rawStream struct {
	rawPixels
}

func raw(src imageSet) data.Source {
	r := rawPixels{src}
	if _, ok := src.(data.Prefetcher); ok {
		return rawStream{r}
	}
	return r
}

// Fill implements data.Source.
func (r rawPixels) Fill(idx []int, x, y []float32) {
	r.imageSet.Fill(idx, x, y)
	if x == nil {
		return
	}
	for i, v := range x[:len(idx)*r.Features()] {
		x[i] = v * 255
	}
}

// Label implements the label lookup of data.LabelOf.
func (r rawPixels) Label(i int) int { return data.LabelOf(r.imageSet, i) }

// FillsConcurrently implements data.ConcurrentFiller for what it wraps.
func (r rawPixels) FillsConcurrently() bool {
	cf, ok := r.imageSet.(data.ConcurrentFiller)
	return ok && cf.FillsConcurrently()
}

// Prefetch implements data.Prefetcher.
func (r rawStream) Prefetch(idx []int) { data.Prefetch(r.imageSet, idx) }

// Err implements data.ErrSource.
func (r rawStream) Err() error { return data.SourceErr(r.imageSet) }

var (
	_ data.ConcurrentFiller = rawPixels{}
	_ data.Shaper           = rawPixels{}
	_ data.ErrSource        = rawStream{}
	_ data.Prefetcher       = rawStream{}
)
