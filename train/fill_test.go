package train

import (
	"runtime"
	"sync"
	"testing"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/internal/kernels"
	"github.com/gradgraph/gradgraph/internal/split"
)

// countingSource is a memSource that records the index sets Fill is called
// with. concurrentSource adds data.ConcurrentFiller to it, ok being what
// FillsConcurrently answers.
type countingSource struct {
	memSource
	mu    sync.Mutex
	calls [][]int
}

func (s *countingSource) Fill(idx []int, x, y []float32) {
	s.mu.Lock()
	s.calls = append(s.calls, append([]int(nil), idx...))
	s.mu.Unlock()
	s.memSource.Fill(idx, x, y)
}

type concurrentSource struct {
	*countingSource
	ok bool
}

func (s concurrentSource) FillsConcurrently() bool { return s.ok }

// TestFillConcurrentFiller checks fill: a Source implementing
// data.ConcurrentFiller (and saying yes) is filled in one chunk of whole
// samples per core when the batch is big enough (kernels.ChunkMin
// elements, and the split is taken), a Source that does not implement it, or says no, in one call;
// the batch is the same either way.
func TestFillConcurrentFiller(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	// Whether a split pays is otherwise decided by timings (internal/split).
	defer split.Force(split.Split)()
	const f, n = 100, 1000 // 1000 samples of 100 features: above ChunkMin
	if n*f < kernels.ChunkMin {
		t.Fatalf("batch of %d elements below ChunkMin %d: the test would not split", n*f, kernels.ChunkMin)
	}
	mem := memSource{f: f, tw: 1, class: 10}
	for i := 0; i < n; i++ {
		for j := 0; j < f; j++ {
			mem.x = append(mem.x, float32(i*f+j))
		}
		mem.y = append(mem.y, float32(i%10))
	}
	idx := make([]int, n)
	for k := range idx {
		idx[k] = (k * 7) % n // a permutation: 7 and 1000 are coprime
	}
	for _, tc := range []struct {
		name      string
		make      func(*countingSource) data.Source
		wantCalls int
	}{
		{"plain Source", func(c *countingSource) data.Source { return c }, 1},
		{"ConcurrentFiller saying no", func(c *countingSource) data.Source { return concurrentSource{c, false} }, 1},
		{"ConcurrentFiller", func(c *countingSource) data.Source { return concurrentSource{c, true} }, 2},
	} {
		c := &countingSource{memSource: mem}
		x, y := make([]float32, n*f), make([]float32, n)
		fill(tc.make(c), idx, x, y)
		if len(c.calls) != tc.wantCalls {
			t.Fatalf("%s: %d calls to Fill, want %d", tc.name, len(c.calls), tc.wantCalls)
		}
		seen := 0
		for _, call := range c.calls {
			seen += len(call)
			if len(call) == 0 {
				t.Fatalf("%s: a call with %d samples", tc.name, len(call))
			}
		}
		if seen != n {
			t.Fatalf("%s: %d samples filled, want %d", tc.name, seen, n)
		}
		for k, i := range idx {
			for j := 0; j < f; j++ {
				if x[k*f+j] != float32(i*f+j) {
					t.Fatalf("%s: x[%d][%d] = %g, want %d", tc.name, k, j, x[k*f+j], i*f+j)
				}
			}
			if y[k] != float32(i%10) {
				t.Fatalf("%s: y[%d] = %g, want %d", tc.name, k, y[k], i%10)
			}
		}
	}
}
