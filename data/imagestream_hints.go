package data

// Prefetcher is an optional interface of a Source that reads its samples
// lazily, such as ImageStream: Prefetch hints that Fill will soon be asked
// for the samples idx, so that they are read in the background meanwhile.
// A hint never changes what Fill writes, only how long it takes; a source
// may drop hints it has no room for. Training hints the next batch before
// running the current one (train.Fit, Evaluate, Predict).
type Prefetcher interface {
	Prefetch(idx []int)
}

// ErrSource is an optional interface of a Source whose Fill can fail, as
// one reading files lazily can (ImageStream: a file deleted or corrupted
// after the folder was listed). Fill has no error return: it writes zeros
// for the samples it could not read, and Err says why. Training checks it
// after every batch it fills and stops with the error.
type ErrSource interface {
	Source
	// Err returns the first error a Fill met, or nil. It stays set: a
	// source that failed once is not to be trained on.
	Err() error
}

// Prefetch passes the hint idx to src when src, or a source it views
// (Subset, Slice) or joins (Join's inputs), is a Prefetcher, translating
// the indices on the way; for other sources it does nothing and costs
// nothing. Indices out of range are dropped.
func Prefetch(src Source, idx []int) {
	if len(idx) == 0 || !prefetches(src) {
		return
	}
	switch v := src.(type) {
	case Prefetcher:
		v.Prefetch(idx)
	case *indexView:
		m := make([]int, 0, len(idx))
		for _, i := range idx {
			if i >= 0 && i < len(v.idx) {
				m = append(m, v.idx[i])
			}
		}
		Prefetch(v.src, m)
	case *rangeView:
		m := make([]int, 0, len(idx))
		for _, i := range idx {
			if i >= 0 && i < v.to-v.from {
				m = append(m, v.from+i)
			}
		}
		Prefetch(v.src, m)
	case *Joined:
		// Only the inputs' features need reading; targets are labels.
		for _, p := range v.inputs {
			Prefetch(p.Source, idx)
		}
	}
}

// prefetches reports whether Prefetch(src, ...) would reach a Prefetcher,
// so that views of in-memory data translate no indices for nothing.
func prefetches(src Source) bool {
	switch v := src.(type) {
	case Prefetcher:
		return true
	case *indexView:
		return prefetches(v.src)
	case *rangeView:
		return prefetches(v.src)
	case *Joined:
		for _, p := range v.inputs {
			if prefetches(p.Source) {
				return true
			}
		}
	}
	return false
}

// SourceErr returns the error of src (ErrSource), or of a source it views
// or joins, or nil when none has one. Training calls it after each Fill.
func SourceErr(src Source) error {
	switch v := src.(type) {
	case ErrSource:
		return v.Err()
	case *indexView:
		return SourceErr(v.src)
	case *rangeView:
		return SourceErr(v.src)
	case *Joined:
		for _, ps := range [][]Named{v.inputs, v.targets} {
			for _, p := range ps {
				if err := SourceErr(p.Source); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
