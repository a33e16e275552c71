package nn

import (
	"math"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// maxPoolTwin is poolOp's twin: the maximum of every window of each
// channel, (batch, oh, ow, c), built only from Gorgonia primitives so that
// gorgonia.Grad derives its gradient by itself. The parity tests hold the
// custom op to it.
//
// The window offsets are twinWindowOffsets' strided slices of the input padded
// with the most negative finite value of the type, which no input beats
// (every window holds at least one input, so a padding value never wins).
// They are folded in row-major order by a select:
//
//	m ← m ⊙ [m ≥ v] + v ⊙ [m < v]
//
// The comparisons are not differentiable in Gorgonia (their DiffWRT is
// false), so they act as constant masks and the gradient of each step goes
// wholly to m where m ≥ v: on a tie the earlier offset keeps it. The whole
// gradient of a window therefore reaches its first maximum in row-major
// order, and only it, as poolOp's does. Gorgonia's Max reduction over a
// stacked axis would not do: its gradient is grad ⊙ (x == max), the full
// gradient to every tied element (TestMaxPoolTwinTies shows both).
//
// The padding is finite because the select multiplies it by 0: −Inf·0 is
// NaN. A max built as m + relu(v − m) would not do either: v − m overflows
// or loses v against a huge padding value.
func maxPoolTwin(x *G.Node, g window) (*G.Node, error) {
	if _, err := twinInput("maxpool twin", x, g); err != nil {
		return nil, err
	}
	lowest := -math.MaxFloat64
	if x.Dtype() == tensor.Float32 {
		lowest = -math.MaxFloat32
	}
	offs, err := twinWindowOffsets(x, g, lowest)
	if err != nil {
		return nil, errors.Wrap(err, "maxpool twin")
	}
	m := offs[0]
	for _, v := range offs[1:] {
		if m, err = twinSelectMax(m, v); err != nil {
			return nil, errors.Wrap(err, "maxpool twin")
		}
	}
	return m, nil
}

// twinSelectMax is m ⊙ [m ≥ v] + v ⊙ [m < v]: the elementwise maximum, whose
// gradient goes to m where the two tie.
func twinSelectMax(m, v *G.Node) (*G.Node, error) {
	keep, err := G.Gte(m, v, true)
	if err != nil {
		return nil, err
	}
	take, err := G.Lt(m, v, true)
	if err != nil {
		return nil, err
	}
	a, err := G.HadamardProd(m, keep)
	if err != nil {
		return nil, err
	}
	b, err := G.HadamardProd(v, take)
	if err != nil {
		return nil, err
	}
	return G.Add(a, b)
}
