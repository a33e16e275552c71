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
	// MaxRelErr is the largest relative error over the elements checked:
	// max(0, |a − n| − noise) / (|a| + |n|) for the analytic gradient a
	// and the numeric n, where noise bounds the rounding error of n (see
	// GradCheck). It is relative at every scale: a gradient of 1e-5 that
	// is 1% wrong scores 0.005, as one of size 1 would.
	MaxRelErr float64
	Param     string // the param holding the worst element
	Index     int    // its flat index
	Analytic  float64
	Numeric   float64
	Noise     float64 // the rounding bound subtracted for that element
	Checked   int     // number of elements compared
}

func (r GradCheckResult) String() string {
	return fmt.Sprintf("max rel err %.3g at %s[%d] (analytic %.9g, numeric %.9g, noise %.2g) over %d elements",
		r.MaxRelErr, r.Param, r.Index, r.Analytic, r.Numeric, r.Noise, r.Checked)
}

// noiseUlps is how many units of roundoff of the loss the finite
// difference is allowed before a disagreement counts: a loss summed over a
// batch carries more than one rounding.
const noiseUlps = 16

// GradCheck compares the symbolic gradient of a scalar with central finite
// differences (f(x+h)-f(x-h))/2h for every element of every param in wrt.
// The builder b must already hold the scalar loss; feeds are filled from a
// generator reseeded with seed before every run, so a dropout mask stays fixed
// while the params move.
//
// The numeric derivative carries the rounding error of the two losses,
// about ε·(|f(x+h)| + |f(x−h)|)/2h for the graph's machine epsilon ε; that
// much (times noiseUlps) is forgiven, and the rest is measured relative to
// the gradient's own size (GradCheckResult.MaxRelErr), so that small
// gradients are held to the same relative standard as large ones. Float64
// graphs with h = 1e-6 resolve relative errors of 1e-6 and below; float32
// graphs (h around 1e-2, to rise above their rounding) only errors of a
// percent or so, and their truncation error h²·f‴/6 counts against them.
func GradCheck(b *Builder, loss *G.Node, wrt []*Param, h float64, seed int64) (GradCheckResult, error) {
	var res GradCheckResult
	if b == nil {
		return res, errors.New("gradcheck: the builder is nil")
	}
	if err := needNodes("gradcheck", "loss", loss); err != nil {
		return res, err
	}
	eps := math.Nextafter(1, 2) - 1
	switch b.DType {
	case Float64:
	case Float32:
		eps = float64(math.Nextafter32(1, 2) - 1)
	default:
		return res, errors.Errorf("gradcheck: unsupported dtype %v", b.DType)
	}
	if !(h > 0) {
		return res, errors.Errorf("gradcheck: step h must be positive, got %v", h)
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
		analytic[i] = make([]float64, g.Shape().TotalSize())
		for j := range analytic[i] {
			switch d := g.Data().(type) {
			case []float32:
				analytic[i][j] = float64(d[j])
			case []float64:
				analytic[i][j] = d[j]
			}
		}
	}
	for i, p := range wrt {
		for j := 0; j < p.Size(); j++ {
			x := p.At(j)
			p.SetAt(j, x+h)
			xp := p.At(j) // the step actually taken, after rounding to the param's type
			fp, err := run()
			if err != nil {
				return res, err
			}
			p.SetAt(j, x-h)
			xm := p.At(j)
			fm, err := run()
			if err != nil {
				return res, err
			}
			p.SetAt(j, x)
			num := (fp - fm) / (xp - xm)
			noise := noiseUlps * eps * (math.Abs(fp) + math.Abs(fm)) / (xp - xm)
			a := analytic[i][j]
			rel := relErr(a, num, noise)
			res.Checked++
			if rel >= res.MaxRelErr {
				res = GradCheckResult{MaxRelErr: rel, Param: p.Name, Index: j, Analytic: a, Numeric: num, Noise: noise, Checked: res.Checked}
			}
		}
	}
	return res, nil
}

// relErr is max(0, |a − n| − noise)/(|a| + |n|): 0 when the two agree
// within the numeric derivative's rounding, +Inf when either is NaN.
func relErr(a, n, noise float64) float64 {
	d := math.Abs(a-n) - noise
	if math.IsNaN(d) || math.IsNaN(noise) {
		return math.Inf(1)
	}
	if d <= 0 {
		return 0
	}
	if math.IsInf(d, 1) {
		return d
	}
	return d / (math.Abs(a) + math.Abs(n))
}
