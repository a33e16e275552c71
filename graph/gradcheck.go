package graph

import (
	"fmt"
	"math"
	"math/rand"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// GradCheckResult reports the worst disagreement found by GradCheck.
type GradCheckResult struct {
	MaxRelErr float64 // max |analytic-numeric| / max(1, |analytic|+|numeric|)
	Param     string  // the param holding the worst element
	Index     int     // its flat index
	Analytic  float64
	Numeric   float64
	Checked   int // number of elements compared
}

func (r GradCheckResult) String() string {
	return fmt.Sprintf("max rel err %.3g at %s[%d] (analytic %.9g, numeric %.9g) over %d elements",
		r.MaxRelErr, r.Param, r.Index, r.Analytic, r.Numeric, r.Checked)
}

// GradCheck compares the symbolic gradient of a scalar with central finite
// differences (f(x+h)-f(x-h))/2h for every element of every param in wrt.
// The builder b must already hold the scalar loss; feeds are filled from a
// generator reseeded with seed before every run, so a dropout mask stays fixed
// while the params move. Use a float64 graph: float32 differences are too
// coarse to tell a right gradient from a slightly wrong one.
func GradCheck(b *Builder, loss *G.Node, wrt []*Param, h float64, seed int64) (GradCheckResult, error) {
	var res GradCheckResult
	if b.DType != Float64 {
		return res, errors.New("gradcheck: build the graph in float64")
	}
	m, err := b.Compile(loss, wrt)
	if err != nil {
		return res, err
	}
	defer m.Close()
	run := func() (float64, error) {
		if err := m.Run(rand.New(rand.NewSource(seed))); err != nil {
			return 0, err
		}
		return m.Loss(), nil
	}
	if _, err := run(); err != nil {
		return res, err
	}
	analytic := make([][]float64, len(wrt))
	for i := range wrt {
		g := m.Grad(i)
		if g == nil {
			return res, errors.Errorf("gradcheck: no gradient for %q", wrt[i].Name)
		}
		analytic[i] = append([]float64(nil), g.Data().([]float64)...)
	}
	for i, p := range wrt {
		for j := 0; j < p.Size(); j++ {
			x := p.At(j)
			p.SetAt(j, x+h)
			fp, err := run()
			if err != nil {
				return res, err
			}
			p.SetAt(j, x-h)
			fm, err := run()
			if err != nil {
				return res, err
			}
			p.SetAt(j, x)
			num := (fp - fm) / (2 * h)
			a := analytic[i][j]
			rel := math.Abs(a-num) / math.Max(1, math.Abs(a)+math.Abs(num))
			if math.IsNaN(rel) {
				rel = math.Inf(1)
			}
			res.Checked++
			if rel >= res.MaxRelErr {
				res = GradCheckResult{MaxRelErr: rel, Param: p.Name, Index: j, Analytic: a, Numeric: num, Checked: res.Checked}
			}
		}
	}
	return res, nil
}
