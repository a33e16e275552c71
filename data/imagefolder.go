package data

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pkg/errors"
)

// BadFilePolicy says what ImageFolder does with a file it cannot use: one
// that cannot be read, is not a PNG, JPEG or GIF image, is corrupt or
// truncated, or is over a size limit.
type BadFilePolicy int

const (
	// RefuseBadFiles fails on the first bad file in path order, naming it
	// and the reason. It is the default.
	RefuseBadFiles BadFilePolicy = iota
	// SkipBadFiles leaves bad files out and lists them, with their reasons,
	// in ImageFolderSet.Skipped for the caller to report.
	SkipBadFiles
)

// Interpolation is how ImageFolder resizes images to the target size.
type Interpolation int

const (
	// Bilinear interpolates between the four nearest source pixels, with
	// pixel centres at half-integer coordinates and no antialiasing: the
	// sampling of tf.image.resize's "bilinear", which Keras's
	// image_dataset_from_directory uses by default. It is
	// golang.org/x/image/draw's ApproxBiLinear, which works on 16-bit values
	// (v·257) and truncates the result to 8 bits: floor(r·257/256) for the
	// exact interpolated value r, within one level of Keras's float result.
	Bilinear Interpolation = iota
	// Nearest takes the source pixel whose cell holds the target pixel's
	// centre (golang.org/x/image/draw's NearestNeighbor).
	Nearest
)

// Default limits of ImageFolderOptions, used where an option is 0.
const (
	// DefaultMaxImageFileBytes caps the size of one image file (and of the
	// labels CSV file): 64 MiB.
	DefaultMaxImageFileBytes int64 = 64 << 20
	// DefaultMaxImagePixels caps width × height of one image as its header
	// declares it, checked before decoding: 2^26, an 8192×8192 image (PIL's
	// own decompression-bomb limit is 89 million pixels).
	DefaultMaxImagePixels int64 = 1 << 26
	// DefaultMaxImageBytes caps the memory one decoded image takes: width ×
	// height × the bytes per pixel of its colour model (1 for grey, 3 for a
	// JPEG's YCbCr, 4 for RGBA, 8 for 16-bit RGBA): 256 MiB.
	DefaultMaxImageBytes int64 = 256 << 20
	// DefaultMaxImageSetBytes caps the pixel bytes of the whole result
	// (images × height × width × channels): 2 GiB, 45 times Fashion-MNIST's
	// training set.
	DefaultMaxImageSetBytes int64 = 2 << 30
)

// Subset names for ImageFolderOptions.Subset, as Keras spells them.
const (
	SubsetTraining   = "training"
	SubsetValidation = "validation"
)

// ImageFolderOptions configures ImageFolder and ImageFolderSplit. The zero
// value reads RGB images of one common size, labels from the class folders,
// no split, refusing bad files.
type ImageFolderOptions struct {
	// Width and Height resize every image to Width×Height pixels. Both 0
	// keeps the images' own size; every image must then have the same one.
	Width, Height int
	// Interpolation is the resizing method; the default is Bilinear.
	Interpolation Interpolation
	// Grayscale reads one grey channel (from colour as PIL's convert("L")
	// does: (19595·R + 38470·G + 7471·B + 2^15) >> 16, and a JPEG's Y
	// channel as libjpeg gives it); otherwise three, R, G, B, channels last.
	// Transparency is dropped: a pixel keeps its stored colour whatever its
	// alpha, as decoding to RGB does in TensorFlow and PIL.
	Grayscale bool

	// ClassNames lists the classes in label order. With folder labels it
	// must name exactly the class folders (as in Keras); by default they
	// are the folder names in sorted order. With LabelsCSV it lists the
	// labels the CSV file may use; by default they are the distinct labels
	// of the file, sorted.
	ClassNames []string
	// LabelsCSV, when set, is the path of a CSV file of filename,label
	// rows (an optional first row "filename,label" is a header) that
	// labels the images instead of the class folders. Filenames are
	// relative to dir, with / as separator, and must exist; labels are
	// class names. The images then come in the order of the rows.
	LabelsCSV string

	// ValidationSplit, in (0, 1), holds out that fraction of the images
	// (rounded down, as Keras does) for validation: the files are shuffled
	// with Seed and the last ones validate. ImageFolder then needs Subset;
	// ImageFolderSplit returns both subsets. The split is of files, before
	// any is decoded, so a skipped file does not move others across it.
	ValidationSplit float64
	// Subset is SubsetTraining or SubsetValidation, with ValidationSplit.
	Subset string
	// Seed seeds the split and Shuffle. The same seed always gives the
	// same split.
	Seed int64
	// Shuffle orders the images by a permutation seeded by Seed instead
	// of by class and path. Training shuffles each epoch anyway; this
	// matters to Fit's validation fraction, which takes the last images
	// as they are stored.
	Shuffle bool

	// OnBadFile says whether a bad file is an error (the default) or is
	// skipped and listed.
	OnBadFile BadFilePolicy
	// Workers is the number of goroutines decoding; 0 means GOMAXPROCS.
	// The result does not depend on it.
	Workers int

	// MaxFileBytes caps one file's size; 0 means DefaultMaxImageFileBytes.
	MaxFileBytes int64
	// MaxImagePixels caps width × height of one image before it is
	// decoded; 0 means DefaultMaxImagePixels.
	MaxImagePixels int64
	// MaxImageBytes caps one decoded image's memory before it is decoded;
	// 0 means DefaultMaxImageBytes.
	MaxImageBytes int64
	// MaxTotalBytes caps the pixel bytes of the result, checked before any
	// image is decoded; 0 means DefaultMaxImageSetBytes.
	MaxTotalBytes int64
}

// BadImage is a file ImageFolder could not use: its path and the reason.
// As an error it reads "path: reason".
type BadImage struct {
	Path string
	Err  error
}

func (b BadImage) Error() string { return b.Path + ": " + b.Err.Error() }

// Unwrap returns the reason.
func (b BadImage) Unwrap() error { return b.Err }

// ImageFolderSet is a labelled set of equally sized 8-bit images held in
// memory, as ImageFolder reads them: height × width × channels bytes each,
// channels last (1 grey or 3 RGB). It implements Source and Shaper: Fill
// scales pixels to [0, 1] (x/255) batch by batch like Images, from several
// goroutines at once (ConcurrentFiller), and Shape is (height, width,
// channels) for a convolutional model's input.
type ImageFolderSet struct {
	// Name identifies the set in messages, e.g. "flowers/training".
	Name string
	// Dir is the folder the images were read from.
	Dir string
	// Files holds each image's path (Dir joined with its relative path):
	// Files[i] is image i.
	Files []string
	// Skipped lists the files left out under SkipBadFiles, in path order.
	Skipped []BadImage

	im      *Images // rows = height, cols = width × channels
	h, w, c int
}

// Len returns the number of images.
func (s *ImageFolderSet) Len() int { return s.im.Len() }

// Features returns height × width × channels.
func (s *ImageFolderSet) Features() int { return s.h * s.w * s.c }

// TargetWidth returns 1: labels are class indices.
func (s *ImageFolderSet) TargetWidth() int { return 1 }

// NumClasses returns the number of classes.
func (s *ImageFolderSet) NumClasses() int { return s.im.NumClasses() }

// Classes returns the class names in label order. The slice is shared; do
// not modify it.
func (s *ImageFolderSet) Classes() []string { return s.im.Classes() }

// Shape returns (height, width, channels).
func (s *ImageFolderSet) Shape() []int { return []int{s.h, s.w, s.c} }

// Height returns the image height in pixels.
func (s *ImageFolderSet) Height() int { return s.h }

// Width returns the image width in pixels.
func (s *ImageFolderSet) Width() int { return s.w }

// Channels returns 1 for grey images, 3 for RGB.
func (s *ImageFolderSet) Channels() int { return s.c }

// Label returns the class of image i.
func (s *ImageFolderSet) Label(i int) int { return s.im.Label(i) }

// Labels returns the label bytes, shared; do not modify them.
func (s *ImageFolderSet) Labels() []byte { return s.im.Labels() }

// Pixels returns the height × width × channels bytes of image i, row
// major with channels last, sharing the storage.
func (s *ImageFolderSet) Pixels(i int) []byte { return s.im.Pixels(i) }

// Fill writes images idx scaled to [0, 1] into x and their labels into y;
// see Source.
func (s *ImageFolderSet) Fill(idx []int, x, y []float32) { s.im.Fill(idx, x, y) }

// FillsConcurrently returns true: Fill only reads the images.
func (s *ImageFolderSet) FillsConcurrently() bool { return true }

// Take returns a new set holding copies of the images idx, in that order,
// with their labels and paths (and no Skipped list).
func (s *ImageFolderSet) Take(name string, idx []int) (*ImageFolderSet, error) {
	im, err := s.im.Take(name, idx)
	if err != nil {
		return nil, err
	}
	files := make([]string, len(idx))
	for k, i := range idx {
		files[k] = s.Files[i]
	}
	return &ImageFolderSet{Name: name, Dir: s.Dir, Files: files, im: im, h: s.h, w: s.w, c: s.c}, nil
}

// String describes the set, e.g. "flowers/training: 2936 images 180x180x3, 5 classes".
func (s *ImageFolderSet) String() string {
	return fmt.Sprintf("%s: %d images %dx%dx%d, %d classes", s.Name, s.Len(), s.h, s.w, s.c, s.NumClasses())
}

var (
	_ ConcurrentFiller = (*ImageFolderSet)(nil)
	_ Shaper           = (*ImageFolderSet)(nil)
)

// ImageFolder reads a folder of images into memory, as Keras's
// image_dataset_from_directory does: dir holds one subfolder per class
// (dir/cats/001.png, dir/dogs/a/002.jpg: images in nested folders belong
// to the class folder above them), or, with LabelsCSV, a CSV file labels
// the images. PNG, JPEG and GIF files are read (by extension: .png, .jpg,
// .jpeg, .gif, in any case; a GIF's first frame); other files, and names
// starting with '.', are ignored. The images come ordered by class, then by
// path, unless LabelsCSV or Shuffle orders them.
//
// Files are decoded by opt.Workers goroutines; the result is the same for
// any number of them. Before an image is decoded its header is checked
// against MaxImagePixels and MaxImageBytes, so a decompression bomb (a
// small file declaring 100000×100000 pixels) is refused without the memory
// it asks for; files are capped by MaxFileBytes, and the whole result by
// MaxTotalBytes before decoding starts.
//
// With ValidationSplit, opt.Subset chooses which part to read; only its
// files are decoded. ImageFolderSplit reads both.
//
// Errors name the folder or file at fault: a missing folder, no class
// folders, an empty class folder, a single class, a class folder not in
// ClassNames, images of different sizes without a target size (naming two
// of them), a CSV row naming a missing file or an unknown class, a bad file
// under RefuseBadFiles.
func ImageFolder(dir string, opt ImageFolderOptions) (*ImageFolderSet, error) {
	if opt.ValidationSplit != 0 && opt.Subset != SubsetTraining && opt.Subset != SubsetValidation {
		return nil, errors.Errorf("data: ImageFolder %s: ValidationSplit %v needs Subset %q or %q (or ImageFolderSplit for both), got %q",
			dir, opt.ValidationSplit, SubsetTraining, SubsetValidation, opt.Subset)
	}
	if opt.ValidationSplit == 0 && opt.Subset != "" {
		return nil, errors.Errorf("data: ImageFolder %s: Subset %q needs a ValidationSplit in (0, 1)", dir, opt.Subset)
	}
	sets, err := imageFolder(dir, opt, opt.Subset)
	if err != nil {
		return nil, err
	}
	return sets[0], nil
}

// ImageFolderSplit reads dir as ImageFolder does and returns both sides of
// opt.ValidationSplit, which must lie in (0, 1), decoding each file once.
// opt.Subset must be empty.
func ImageFolderSplit(dir string, opt ImageFolderOptions) (train, validation *ImageFolderSet, err error) {
	if opt.Subset != "" {
		return nil, nil, errors.Errorf("data: ImageFolderSplit %s: Subset %q: ImageFolderSplit returns both subsets; leave Subset empty", dir, opt.Subset)
	}
	if opt.ValidationSplit == 0 {
		return nil, nil, errors.Errorf("data: ImageFolderSplit %s: ValidationSplit is 0; give a fraction in (0, 1)", dir)
	}
	sets, err := imageFolder(dir, opt, "both")
	if err != nil {
		return nil, nil, err
	}
	return sets[0], sets[1], nil
}

// folderFile is an image file found by listing: its path relative to the
// folder and its class.
type folderFile struct {
	rel   string
	label int
}

// imageExts are the extensions ImageFolder reads.
var imageExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".gif": true}

func isImageName(name string) bool { return imageExts[strings.ToLower(filepath.Ext(name))] }

func (o *ImageFolderOptions) check(dir string) error {
	if o.Width < 0 || o.Height < 0 || (o.Width == 0) != (o.Height == 0) {
		return errors.Errorf("data: ImageFolder %s: target size %dx%d: give both Width and Height, positive, or neither", dir, o.Width, o.Height)
	}
	if o.Interpolation != Bilinear && o.Interpolation != Nearest {
		return errors.Errorf("data: ImageFolder %s: unknown Interpolation %d", dir, o.Interpolation)
	}
	if o.OnBadFile != RefuseBadFiles && o.OnBadFile != SkipBadFiles {
		return errors.Errorf("data: ImageFolder %s: unknown OnBadFile %d", dir, o.OnBadFile)
	}
	if o.ValidationSplit != 0 && !(o.ValidationSplit > 0 && o.ValidationSplit < 1) {
		return errors.Errorf("data: ImageFolder %s: ValidationSplit %v outside (0, 1)", dir, o.ValidationSplit)
	}
	for _, l := range []struct {
		name string
		v    *int64
		def  int64
	}{
		{"MaxFileBytes", &o.MaxFileBytes, DefaultMaxImageFileBytes},
		{"MaxImagePixels", &o.MaxImagePixels, DefaultMaxImagePixels},
		{"MaxImageBytes", &o.MaxImageBytes, DefaultMaxImageBytes},
		{"MaxTotalBytes", &o.MaxTotalBytes, DefaultMaxImageSetBytes},
	} {
		if *l.v < 0 {
			return errors.Errorf("data: ImageFolder %s: %s %d is negative", dir, l.name, *l.v)
		}
		if *l.v == 0 {
			*l.v = l.def
		}
	}
	if o.Width > 0 && (int64(o.Width) > o.MaxImagePixels/int64(o.Height)) {
		return errors.Errorf("data: ImageFolder %s: target size %dx%d is more than MaxImagePixels %d", dir, o.Width, o.Height, o.MaxImagePixels)
	}
	return nil
}

// imageFolder lists, splits and decodes; subset is "", "training",
// "validation" or "both" (two sets).
func imageFolder(dir string, opt ImageFolderOptions, subset string) ([]*ImageFolderSet, error) {
	l, err := listFolder(dir, &opt, subset)
	if err != nil {
		return nil, err
	}
	return decodeFolder(dir, l.classes, l.files, l.sel, l.names, *l.opt)
}

// folderList is what listing a folder settles before any image is
// decoded: the classes, the files, the files of each set in its order, the
// sets' names, and the options with their defaults filled in.
type folderList struct {
	classes []string
	files   []folderFile
	sel     [][]int
	names   []string
	opt     *ImageFolderOptions
}

// listFolder checks opt (filling in its defaults), lists dir, splits and
// orders the files; subset is as for imageFolder. ImageFolder decodes the
// files it lists; StreamImageFolder decodes them as they are asked for.
func listFolder(dir string, opt *ImageFolderOptions, subset string) (*folderList, error) {
	if err := opt.check(dir); err != nil {
		return nil, err
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, errors.Wrap(err, "data: ImageFolder")
	}
	if !st.IsDir() {
		return nil, errors.Errorf("data: ImageFolder %s: not a folder", dir)
	}
	var classes []string
	var files []folderFile
	if opt.LabelsCSV != "" {
		classes, files, err = listCSV(dir, opt.LabelsCSV, opt.ClassNames, opt.MaxFileBytes)
	} else {
		classes, files, err = listClassFolders(dir, opt.ClassNames)
	}
	if err != nil {
		return nil, err
	}

	base := filepath.Base(filepath.Clean(dir))
	var sel [][]int
	var names []string
	if opt.ValidationSplit == 0 {
		sel = [][]int{identity(len(files))}
		names = []string{base}
	} else {
		tr, va, err := splitFiles(len(files), opt.ValidationSplit, opt.Seed)
		if err != nil {
			return nil, errors.Wrapf(err, "data: ImageFolder %s", dir)
		}
		switch subset {
		case SubsetTraining:
			sel, names = [][]int{tr}, []string{base + "/" + SubsetTraining}
		case SubsetValidation:
			sel, names = [][]int{va}, []string{base + "/" + SubsetValidation}
		default:
			sel = [][]int{tr, va}
			names = []string{base + "/" + SubsetTraining, base + "/" + SubsetValidation}
		}
	}
	if opt.Shuffle {
		// One generator per subset, so that a subset's order is the same
		// whether it is read alone or with the other.
		for k, s := range sel {
			stream := int64(0)
			if opt.ValidationSplit != 0 {
				stream = 1
				if names[k] == base+"/"+SubsetValidation {
					stream = 2
				}
			}
			rng := rand.New(rand.NewSource(opt.Seed + stream*0x5eed))
			rng.Shuffle(len(s), func(a, b int) { s[a], s[b] = s[b], s[a] })
		}
	}
	return &folderList{classes: classes, files: files, sel: sel, names: names, opt: opt}, nil
}

func identity(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// splitFiles shuffles 0..n-1 with seed and returns the first n-⌊frac·n⌋ for
// training and the rest for validation, as Keras's validation_split does
// with shuffled file paths; each side is sorted back into path order.
func splitFiles(n int, frac float64, seed int64) (train, val []int, err error) {
	nVal := int(math.Floor(frac * float64(n)))
	if nVal <= 0 || nVal >= n {
		return nil, nil, errors.Errorf("ValidationSplit %v of %d images leaves %d for training and %d for validation",
			frac, n, n-nVal, nVal)
	}
	perm := rand.New(rand.NewSource(seed)).Perm(n)
	train = append([]int(nil), perm[:n-nVal]...)
	val = append([]int(nil), perm[n-nVal:]...)
	sort.Ints(train)
	sort.Ints(val)
	return train, val, nil
}

// listClassFolders finds the class folders of dir and the images in each.
func listClassFolders(dir string, given []string) (classes []string, files []folderFile, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, errors.Wrap(err, "data: ImageFolder")
	}
	var found []string
	topImages := 0
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		isDir := e.IsDir()
		if e.Type()&os.ModeSymlink != 0 {
			if st, err := os.Stat(filepath.Join(dir, name)); err == nil && st.IsDir() {
				isDir = true
			}
		}
		switch {
		case isDir:
			found = append(found, name)
		case isImageName(name):
			topImages++
		}
	}
	sort.Strings(found)
	if len(found) == 0 {
		if topImages > 0 {
			return nil, nil, errors.Errorf("data: ImageFolder %s: no class folders, but %d images directly in it: "+
				"put each class's images in a subfolder named after the class (%s), or label them with LabelsCSV",
				dir, topImages, filepath.Join(dir, "CLASS", "IMAGE.png"))
		}
		return nil, nil, errors.Errorf("data: ImageFolder %s: no images at all: the folder has no class subfolders "+
			"(expected one subfolder per class holding its images, e.g. %s)", dir, filepath.Join(dir, "CLASS", "IMAGE.png"))
	}
	classes = found
	if given != nil {
		if classes, err = matchClassNames(dir, given, found); err != nil {
			return nil, nil, err
		}
	}
	if len(classes) < 2 {
		return nil, nil, errors.Errorf("data: ImageFolder %s: one class folder only (%q): a classifier needs at least two, one subfolder per class",
			dir, classes[0])
	}
	if len(classes) > 256 {
		return nil, nil, errors.Errorf("data: ImageFolder %s: %d class folders, at most 256 are supported", dir, len(classes))
	}
	var empty []string
	var emptyNote string
	for label, class := range classes {
		images, others, err := walkImages(dir, class)
		if err != nil {
			return nil, nil, err
		}
		if len(images) == 0 {
			empty = append(empty, class)
			if emptyNote == "" && len(others) > 0 {
				emptyNote = fmt.Sprintf("; %s has %d other files, e.g. %s, but none named .png, .jpg, .jpeg or .gif",
					filepath.Join(dir, class), len(others), others[0])
			}
			continue
		}
		for _, rel := range images {
			files = append(files, folderFile{rel: rel, label: label})
		}
	}
	if len(empty) == len(classes) {
		return nil, nil, errors.Errorf("data: ImageFolder %s: no images at all in its %d class folders (%s)%s",
			dir, len(classes), strings.Join(classes, ", "), emptyNote)
	}
	if len(empty) > 0 {
		return nil, nil, errors.Errorf("data: ImageFolder %s: class folder %s has no images (.png, .jpg, .jpeg or .gif files)%s; "+
			"remove it or add images (%d empty class folders in all)",
			dir, filepath.Join(dir, empty[0]), emptyNote, len(empty))
	}
	return classes, files, nil
}

// matchClassNames checks that given names exactly the folders found, as
// Keras requires of class_names, and returns it.
func matchClassNames(dir string, given, found []string) ([]string, error) {
	seen := make(map[string]bool, len(given))
	for _, g := range given {
		if seen[g] {
			return nil, errors.Errorf("data: ImageFolder %s: ClassNames lists %q twice", dir, g)
		}
		seen[g] = true
	}
	isFound := make(map[string]bool, len(found))
	for _, f := range found {
		isFound[f] = true
	}
	var missing, extra []string
	for _, g := range given {
		if !isFound[g] {
			missing = append(missing, g)
		}
	}
	for _, f := range found {
		if !seen[f] {
			extra = append(extra, f)
		}
	}
	if len(missing) > 0 || len(extra) > 0 {
		msg := fmt.Sprintf("data: ImageFolder %s: ClassNames %q do not match the class folders %q", dir, given, found)
		if len(missing) > 0 {
			msg += fmt.Sprintf("; no folder for %q", missing)
		}
		if len(extra) > 0 {
			msg += fmt.Sprintf("; folders not in ClassNames: %q", extra)
		}
		return nil, errors.New(msg)
	}
	return append([]string(nil), given...), nil
}

// walkImages lists the image files under dir/class, recursively, as paths
// relative to dir in sorted order, and the names of other files. Names
// starting with '.' are ignored; symbolic links to folders are not followed
// (no cycles), links with an image name are listed as files.
func walkImages(dir, class string) (images, others []string, err error) {
	var walk func(rel string) error
	walk = func(rel string) error {
		entries, err := os.ReadDir(filepath.Join(dir, rel))
		if err != nil {
			return errors.Wrap(err, "data: ImageFolder")
		}
		for _, e := range entries {
			name := e.Name()
			if strings.HasPrefix(name, ".") {
				continue
			}
			r := filepath.Join(rel, name)
			switch {
			case e.IsDir():
				if err := walk(r); err != nil {
					return err
				}
			case isImageName(name):
				if what := notRegular(filepath.Join(dir, r), e.Type()); what != "" {
					return errors.Errorf("data: ImageFolder %s: %s is %s, not a regular file: "+
						"an image must be a file (reading this would block or never end); remove it", dir, filepath.Join(dir, r), what)
				}
				images = append(images, r)
			default:
				others = append(others, filepath.Join(dir, r))
			}
		}
		return nil
	}
	if err := walk(class); err != nil {
		return nil, nil, err
	}
	sort.Strings(images)
	return images, others, nil
}

// notRegular says what the entry at path of type t (from its folder's
// listing) is when it is not a regular file: a named pipe, whose read
// blocks until someone writes to it, a socket, a device such as /dev/zero,
// which never ends, or a link to one of these or to a folder. It returns ""
// for a regular file, and for a link it cannot follow, whose opening will
// report the error.
func notRegular(path string, t os.FileMode) string {
	if t&os.ModeSymlink != 0 {
		st, err := os.Stat(path)
		if err != nil {
			return ""
		}
		t = st.Mode().Type()
	}
	switch {
	case t.IsRegular():
		return ""
	case t.IsDir():
		return "a folder"
	case t&os.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case t&os.ModeSocket != 0:
		return "a socket"
	case t&os.ModeDevice != 0:
		return "a device"
	}
	return "a special file (mode " + t.String() + ")"
}

// listCSV reads the labels CSV file: filename,label rows, an optional
// header, filenames relative to dir.
func listCSV(dir, path string, given []string, maxBytes int64) (classes []string, files []folderFile, err error) {
	if st, err := os.Lstat(path); err == nil {
		if what := notRegular(path, st.Mode().Type()); what != "" {
			return nil, nil, errors.Errorf("data: ImageFolder: labels CSV %s is %s, not a regular file", path, what)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, errors.Wrap(err, "data: ImageFolder: labels CSV")
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > maxBytes {
		return nil, nil, errors.Errorf("data: %s: labels CSV of %d bytes is more than MaxFileBytes %d", path, st.Size(), maxBytes)
	}
	cr := csv.NewReader(newRecordLimiter(bufio.NewReader(io.LimitReader(f, maxBytes+1)), path))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true

	type row struct {
		rel, label string
		line       int
	}
	var rows []row
	lineOf := map[string]int{}
	for first := true; ; first = false {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, nil, errors.Errorf("data: %s:%d: %v", path, pe.Line, pe.Err)
			}
			return nil, nil, errors.Wrapf(err, "data: %s", path)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != 2 {
			return nil, nil, errors.Errorf("data: %s:%d: %d fields, want 2: filename,label", path, line, len(rec))
		}
		name, label := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])
		if first && strings.EqualFold(name, "filename") && strings.EqualFold(label, "label") {
			continue
		}
		if name == "" || label == "" {
			return nil, nil, errors.Errorf("data: %s:%d: empty filename or label", path, line)
		}
		rel := filepath.FromSlash(name)
		if !filepath.IsLocal(rel) {
			return nil, nil, errors.Errorf("data: %s:%d: filename %q is not a path inside %s", path, line, name, dir)
		}
		rel = filepath.Clean(rel)
		if prev, dup := lineOf[rel]; dup {
			return nil, nil, errors.Errorf("data: %s:%d: %q is labelled again (first on line %d)", path, line, name, prev)
		}
		lineOf[rel] = line
		st, err := os.Stat(filepath.Join(dir, rel))
		if err != nil {
			if os.IsNotExist(err) {
				return nil, nil, errors.Errorf("data: %s:%d: file %q does not exist in %s", path, line, name, dir)
			}
			return nil, nil, errors.Wrapf(err, "data: %s:%d", path, line)
		}
		if what := notRegular(filepath.Join(dir, rel), st.Mode().Type()); what != "" {
			return nil, nil, errors.Errorf("data: %s:%d: %s is %s, not a regular file", path, line, filepath.Join(dir, rel), what)
		}
		rows = append(rows, row{rel: rel, label: label, line: line})
	}
	if len(rows) == 0 {
		return nil, nil, errors.Errorf("data: %s: no images at all: the labels CSV has no filename,label rows", path)
	}

	index := map[string]int{}
	if given != nil {
		for i, c := range given {
			if _, dup := index[c]; dup {
				return nil, nil, errors.Errorf("data: ImageFolder %s: ClassNames lists %q twice", dir, c)
			}
			index[c] = i
		}
		classes = append([]string(nil), given...)
	} else {
		for _, r := range rows {
			if _, ok := index[r.label]; !ok {
				index[r.label] = 0
				classes = append(classes, r.label)
			}
		}
		sort.Strings(classes)
		for i, c := range classes {
			index[c] = i
		}
	}
	if len(classes) < 2 {
		return nil, nil, errors.Errorf("data: %s: one class only (%q): a classifier needs at least two", path, classes[0])
	}
	if len(classes) > 256 {
		return nil, nil, errors.Errorf("data: %s: %d classes, at most 256 are supported", path, len(classes))
	}
	count := make([]int, len(classes))
	files = make([]folderFile, len(rows))
	for i, r := range rows {
		l, ok := index[r.label]
		if !ok {
			return nil, nil, errors.Errorf("data: %s:%d: class %q of %q is not one of the %d ClassNames %q",
				path, r.line, r.label, r.rel, len(classes), classes)
		}
		count[l]++
		files[i] = folderFile{rel: r.rel, label: l}
	}
	for l, n := range count {
		if n == 0 {
			return nil, nil, errors.Errorf("data: %s: class %q has no images: no row of the labels CSV names it", path, classes[l])
		}
	}
	return classes, files, nil
}
