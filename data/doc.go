// Package data loads and prepares the data sets gradgraph trains on.
//
// # Sources
//
// Training, evaluation and prediction read every data set through the Source
// interface: a length, a feature width, a target width, a class count, and
// Fill, which copies the rows of a batch of indices into float32 buffers.
// Two kinds of Source come with the package:
//
//   - Dataset holds float32 rows in memory: tabular data such as Iris, the
//     digits, or a user's CSV file (ReadCSV, LoadCSV).
//   - Images holds greyscale images as the bytes they are stored as and
//     scales them to [0, 1] batch by batch in Fill, so MNIST takes 47 MB of
//     memory instead of 188 MB.
//
// A Source that may be filled from several goroutines at once (on disjoint
// indices) says so by implementing ConcurrentFiller; training then fills
// the parts of a batch on different cores. Images does; any Source may.
//
// Subset and Slice make index views of any Source without copying its data;
// TrainTestSplit, StandardScaler and OneHot prepare a Dataset as
// scikit-learn's counterparts do.
//
// # CSV tables
//
// ReadCSV and LoadCSV read a table as pandas's read_csv and Keras's
// make_csv_dataset do: the label column and the feature columns chosen by
// their header names (CSVOptions.Label, Features), columns of strings
// one-hot or index encoded with their categories in sorted order or as
// given (Encode), and empty fields filled or refused (Missing). The
// features keep their names, "colour=red" for a one-hot column.
// ReadCSVTable and LoadCSVTable also return the options with every
// category and class written out, which read a test file the same way. Bad
// rows are reported by file, line (from 1, the header and blank lines
// counted, right after quoted fields that span lines) and column.
//
// # Image folders
//
// ImageFolder reads a user's images as Keras's image_dataset_from_directory
// does: a folder with one subfolder per class (or a filename,label CSV) of
// PNG, JPEG and GIF files, decoded in parallel into an ImageFolderSet: a
// third in-memory Source, which keeps bytes and scales them in Fill as
// Images does, of images (height, width, channels), grey or RGB, resized if
// asked (bilinear as tf.image.resize, or nearest) and split for validation
// with a seed. Each file's size and each image's declared dimensions are
// checked against limits before it is decoded, and the whole set before
// decoding starts; bad files are refused or skipped and listed (OnBadFile),
// with their paths. WriteImageFolder writes any set of images out as such a
// folder of PNGs, with a labels.csv that keeps their order.
//
// # Embedded data sets
//
// Iris (150 flowers, 4 measurements, 3 classes) and Digits (1797 8x8 images
// of handwritten digits, pixel counts 0..16, 10 classes) are embedded in the
// binary from scikit-learn's copies of the UCI files, licensed CC BY 4.0
// (see LICENSE-DATA.md). They need neither files nor network.
//
// # MNIST and Fashion-MNIST
//
// MNIST and FashionMNIST read the four IDX files of each set
// (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
// t10k-labels-idx1-ubyte, each gzipped or not) from the first folder of
// these that has them all:
//
//  1. the folder passed as dir, when it is not empty (or its mnist/ or
//     fashion-mnist/ subfolder);
//  2. $GRADGRAPH_DATA/mnist (or $GRADGRAPH_DATA/fashion-mnist);
//  3. for Fashion-MNIST, /usr/share/datasets/fashion-mnist, where Debian's
//     package dataset-fashion-mnist installs it;
//  4. os.UserCacheDir()/gradgraph/mnist (or .../fashion-mnist), e.g.
//     ~/.cache/gradgraph/mnist on Linux.
//
// Files that are found nowhere are downloaded from the mirrors in
// MNISTMirrors or FashionMNISTMirrors into the first of folders 1, 2 and 4
// that applies. A download is written to a temporary file in that folder,
// checked (a valid IDX file with the known SHA-256 of its uncompressed
// content), synced and only then renamed into place, so an interrupted or
// corrupt download leaves nothing behind. Progress goes to the io.Writer of
// WithProgress; without one, downloads are silent. Offline turns
// downloading off. When files cannot be had, the error lists the missing
// files, the folders searched and the ways to provide them.
//
// Every file, downloaded or found, is checked against MNISTSHA256 or
// FashionMNISTSHA256 as it is read (ReadIDX computes the hash on the way).
//
// # Errors
//
// Loaders report bad input as errors that name the file, line, row or column
// at fault; they do not panic on it. Fill is the exception: its indices are
// the caller's own, and out-of-range ones panic like a slice index would.
package data
