package data

import (
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/pkg/errors"
)

// MNISTMirrors are the base URLs MNIST is downloaded from, tried in order.
// The original yann.lecun.com site no longer serves the files reliably; a
// program may replace this list, e.g. with an internal mirror.
var MNISTMirrors = []string{
	"https://ossci-datasets.s3.amazonaws.com/mnist/",
	"https://storage.googleapis.com/cvdf-datasets/mnist/",
}

// FashionMNISTMirrors are the base URLs Fashion-MNIST is downloaded from.
var FashionMNISTMirrors = []string{
	"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
	"https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
}

// MNISTSHA256 holds the SHA-256 of each uncompressed MNIST file. Checksums
// are of the IDX content rather than the gzip files because mirrors
// recompress: the same data comes in different gzip bytes.
var MNISTSHA256 = map[string]string{
	"train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
	"train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
	"t10k-images-idx3-ubyte":  "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
	"t10k-labels-idx1-ubyte":  "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

// FashionMNISTSHA256 holds the SHA-256 of each uncompressed Fashion-MNIST
// file, computed from Debian's dataset-fashion-mnist package. Debian
// recompressed the files, so their gzip MD5s differ from the ones Zalando
// publishes; the uncompressed hashes match those other projects derive from
// archives with the published MD5s.
var FashionMNISTSHA256 = map[string]string{
	"train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
	"train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
	"t10k-images-idx3-ubyte":  "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
	"t10k-labels-idx1-ubyte":  "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}

// knownSizes holds the sizes of the MNIST and Fashion-MNIST files, keyed
// by the SHA-256 of their content: a size belongs to the content, not to a
// file name a program may point at other data. Downloads are capped from
// them (downloadCaps). The uncompressed sizes follow from the IDX headers
// (16 + 60,000·28·28 bytes for training images, 8 + 60,000 for training
// labels) and match ../shared/data/mnist byte for byte. The compressed
// ones are as published: MNIST's by yann.lecun.com and its ossci mirror
// (the shared copy's training images are recompressed to 9,630,634 bytes,
// the rest are identical), Fashion-MNIST's by Zalando's S3 bucket, as
// torchvision and Keras downloads report them.
var knownSizes = map[string]fileSize{
	MNISTSHA256["train-images-idx3-ubyte"]: {gz: 9912422, raw: 47040016},
	MNISTSHA256["train-labels-idx1-ubyte"]: {gz: 28881, raw: 60008},
	MNISTSHA256["t10k-images-idx3-ubyte"]:  {gz: 1648877, raw: 7840016},
	MNISTSHA256["t10k-labels-idx1-ubyte"]:  {gz: 4542, raw: 10008},

	FashionMNISTSHA256["train-images-idx3-ubyte"]: {gz: 26421880, raw: 47040016},
	FashionMNISTSHA256["train-labels-idx1-ubyte"]: {gz: 29515, raw: 60008},
	FashionMNISTSHA256["t10k-images-idx3-ubyte"]:  {gz: 4422102, raw: 7840016},
	FashionMNISTSHA256["t10k-labels-idx1-ubyte"]:  {gz: 5148, raw: 10008},
}

// FashionMNISTClasses names the ten Fashion-MNIST classes, by label.
var FashionMNISTClasses = []string{
	"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
}

// mnistFiles are the four files of an MNIST-style set, in the order
// train images, train labels, test images, test labels.
var mnistFiles = [4]string{
	"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
	"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
}

// imageSet describes where an MNIST-style data set lives and how to check it.
type imageSet struct {
	name    string   // for messages
	sub     string   // folder name under GRADGRAPH_DATA and the cache
	system  []string // read-only folders a system package installs
	files   [4]string
	mirrors func() []string
	sums    func() map[string]string // "" or missing: not verified
	classes []string
	howto   string // extra advice for the missing-files error
}

var mnistSet = &imageSet{
	name:    "MNIST",
	sub:     "mnist",
	files:   mnistFiles,
	mirrors: func() []string { return MNISTMirrors },
	sums:    func() map[string]string { return MNISTSHA256 },
	classes: []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
}

var fashionSet = &imageSet{
	name:    "Fashion-MNIST",
	sub:     "fashion-mnist",
	system:  []string{"/usr/share/datasets/fashion-mnist"},
	files:   mnistFiles,
	mirrors: func() []string { return FashionMNISTMirrors },
	sums:    func() map[string]string { return FashionMNISTSHA256 },
	classes: FashionMNISTClasses,
	howto:   ", or on Debian/Ubuntu: apt-get install dataset-fashion-mnist (installs /usr/share/datasets/fashion-mnist)",
}

// Option adjusts how MNIST and FashionMNIST find and fetch their files.
type Option func(*options)

type options struct {
	progress io.Writer
	offline  bool
	mirrors  []string
	client   *http.Client
}

// WithProgress reports downloads on w; without it downloads are silent.
func WithProgress(w io.Writer) Option { return func(o *options) { o.progress = w } }

// Offline forbids downloading: missing files are an error.
func Offline() Option { return func(o *options) { o.offline = true } }

// WithMirrors replaces the package's mirror list for this call.
func WithMirrors(baseURLs ...string) Option {
	return func(o *options) { o.mirrors = append([]string(nil), baseURLs...) }
}

// WithHTTPClient sets the client downloads use (proxies, timeouts, tests).
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.client = c } }

// MNIST loads the MNIST handwritten digits: 60,000 training and 10,000 test
// images of 28x28 bytes, labels 0..9. It looks for the four IDX files
// (gzipped or not) in dir, then $GRADGRAPH_DATA/mnist, then
// os.UserCacheDir()/gradgraph/mnist, and downloads missing ones into the
// first of those that applies; see the package documentation. Every file
// is checked against MNISTSHA256. Files that are missing and cannot be
// downloaded give a *NotFoundError (errors.Is(err, ErrNotFound)).
func MNIST(dir string, opts ...Option) (train, test *Images, err error) {
	return loadSet(mnistSet, dir, opts)
}

// FashionMNIST loads Zalando's Fashion-MNIST, a drop-in replacement for
// MNIST with ten classes of clothing (FashionMNISTClasses). It searches
// like MNIST, with fashion-mnist in place of mnist and Debian's
// /usr/share/datasets/fashion-mnist before the cache, and reports missing
// files the same way (ErrNotFound).
func FashionMNIST(dir string, opts ...Option) (train, test *Images, err error) {
	return loadSet(fashionSet, dir, opts)
}

func loadSet(set *imageSet, dir string, opts []Option) (train, test *Images, err error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	dirs, target := searchDirs(set, dir)
	paths := locate(set, dirs)
	sums := set.sums()

	var missing []string
	for i, p := range paths {
		if p == "" {
			missing = append(missing, set.files[i])
		}
	}
	if len(missing) > 0 {
		var cause error
		switch {
		case o.offline:
			cause = errors.New("downloading is off")
		case target == "":
			cause = errors.New("no folder to download into (no dir, $" + EnvDataDir + " or user cache folder)")
		default:
			mirrors := o.mirrors
			if mirrors == nil {
				mirrors = set.mirrors()
			}
			for i, p := range paths {
				if p != "" {
					continue
				}
				got, err := download(&o, mirrors, target, set.files[i], sums[set.files[i]])
				if err != nil {
					cause = errors.Wrapf(err, "download of %s into %s failed", set.files[i], target)
					break
				}
				paths[i] = got
			}
		}
		if cause != nil {
			return nil, nil, missingError(set, paths, dirs, cause)
		}
	}

	// The four files decode independently; decoding them at once
	// overlaps the gunzip of the two image files.
	idx := make([]*IDX, 4)
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range paths {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			idx[i], errs[i] = ReadIDX(paths[i])
			if errs[i] == nil {
				if want := sums[set.files[i]]; want != "" && idx[i].Sum() != want {
					errs[i] = errors.Errorf("data: %s: checksum mismatch: SHA-256 of the content is %s, want %s (corrupt or not %s %s; delete it to download it again)",
						paths[i], idx[i].Sum(), want, set.name, set.files[i])
				}
			}
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	if train, err = makeImages(set, "train", idx[0], idx[1]); err != nil {
		return nil, nil, err
	}
	if test, err = makeImages(set, "test", idx[2], idx[3]); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

func makeImages(set *imageSet, part string, im, lb *IDX) (*Images, error) {
	if len(im.Dims) != 3 {
		return nil, errors.Errorf("data: %s: images need 3 dimensions, have %v", im.Name, im.Dims)
	}
	if len(lb.Dims) != 1 {
		return nil, errors.Errorf("data: %s: labels need 1 dimension, have %v", lb.Name, lb.Dims)
	}
	if im.Dims[0] != lb.Dims[0] {
		return nil, errors.Errorf("data: %s %s: %d images but %d labels (%s, %s)",
			set.name, part, im.Dims[0], lb.Dims[0], im.Name, lb.Name)
	}
	return NewImages(strings.ToLower(set.name)+"/"+part, im.Data, im.Dims[1], im.Dims[2], lb.Data, set.classes)
}

// missingError reports set's missing files as a *NotFoundError.
func missingError(set *imageSet, paths, dirs []string, cause error) error {
	var missing []string
	for i, p := range paths {
		if p == "" {
			missing = append(missing, set.files[i])
		}
	}
	return errors.WithStack(&NotFoundError{Set: set.name, Missing: missing, Dirs: dirs, Cause: cause, sub: set.sub, howto: set.howto})
}
