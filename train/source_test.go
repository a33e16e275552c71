package train

import "math/rand"

// memSource is a minimal in-memory data.Source for the tests, so that train
// is tested without depending on data's loaders.
type memSource struct {
	x, y         []float32
	f, tw, class int
}

func (s *memSource) Len() int         { return len(s.x) / s.f }
func (s *memSource) Features() int    { return s.f }
func (s *memSource) TargetWidth() int { return s.tw }
func (s *memSource) NumClasses() int  { return s.class }
func (s *memSource) Fill(idx []int, x, y []float32) {
	for k, i := range idx {
		if x != nil {
			copy(x[k*s.f:(k+1)*s.f], s.x[i*s.f:(i+1)*s.f])
		}
		if y != nil {
			copy(y[k*s.tw:(k+1)*s.tw], s.y[i*s.tw:(i+1)*s.tw])
		}
	}
}

// blobs makes n samples of 2-D points around three class centres, with
// class-index targets: an easily separable problem.
func blobs(n int, seed int64) *memSource {
	rng := rand.New(rand.NewSource(seed))
	centres := [][2]float64{{-2, 0}, {2, 0}, {0, 2.5}}
	s := &memSource{f: 2, tw: 1, class: 3}
	for i := 0; i < n; i++ {
		c := i % 3
		s.x = append(s.x, float32(centres[c][0]+0.6*rng.NormFloat64()), float32(centres[c][1]+0.6*rng.NormFloat64()))
		s.y = append(s.y, float32(c))
	}
	return s
}
