// Package viz draws the figures of a deep-learning course as PNG files:
// training curves, predicted class probabilities, input images and grids of
// them, confusion matrices, activation functions, distributions of layer
// outputs, and decision boundaries, with animated GIFs of the latter and,
// as the TensorFlow Playground shows them, held-out test points drawn apart
// from the training points.
//
// viz is a leaf package. It takes plain Go values (slices of float64, maps
// of Keras-style metric names, prediction functions) rather than graph or
// tensor types, so that any part of gradgraph, or a program outside it, can
// use it without import cycles, and so that its tests need no model.
//
// Plots are drawn with gonum.org/v1/plot at 96 dpi with sizes fixed in
// pixels, and colours follow matplotlib's tab10 cycle so that figures look
// like the Keras tutorials they accompany.
//
// Every function that writes a file takes the output path first and
// returns an error instead of panicking on bad input: empty or NaN-only
// data, mismatched lengths, out-of-range classes, or an unwritable path.
// Figures are rendered in memory and written to a temporary file in the
// destination folder that is then renamed, so an error never leaves a
// partial or corrupt image behind, and an existing file is either replaced
// whole or left untouched.
//
// The tests compare each figure with a golden image in testdata; after an
// intended change in appearance, regenerate them with
//
//	go test ./viz -regen
//
// and look at the new images before committing them.
package viz
