package data

// Source is what training, evaluation and prediction read: a fixed number of
// samples, each with a feature row and a target row, fetched by index.
//
// It is an interface rather than a matrix so that large data sets (MNIST keeps
// its images as bytes) are scaled batch by batch instead of being expanded to
// float32 all at once, and so that splits and shuffles are index views that
// never copy the data.
type Source interface {
	// Len is the number of samples.
	Len() int
	// Features is the width of one feature row.
	Features() int
	// TargetWidth is the width of one target row: 1 for class indices
	// (sparse labels), K for one-hot labels or K regression outputs.
	TargetWidth() int
	// NumClasses is the number of classes for classification data, 0 for
	// regression data. Class indices lie in [0, NumClasses).
	NumClasses() int
	// Fill writes the samples idx into x (len(idx)*Features() values, row
	// major) and y (len(idx)*TargetWidth() values). Either may be nil to skip
	// it. Indices must lie in [0, Len()).
	Fill(idx []int, x, y []float32)
}

// ConcurrentFiller is an optional interface of a Source whose Fill may be
// called from several goroutines at once, on disjoint index sets writing
// disjoint parts of x and y (a Source that only reads its data, such as
// Images). Training fills the parts of a batch on different cores then;
// a Source that does not implement it, or whose FillsConcurrently
// reports false, is filled in one call.
type ConcurrentFiller interface {
	Source
	// FillsConcurrently reports whether Fill may be called concurrently on
	// disjoint index sets (a wrapper can answer for what it wraps).
	FillsConcurrently() bool
}
