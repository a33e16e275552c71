package nn

import (
	"math"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// globalAvgPoolTwin is globalAvgPoolOp's twin: x (batch, h, w, c) → (batch,
// c), built from Gorgonia primitives so that gorgonia.Grad derives its
// gradient by itself. x is copied to (batch, h·w, c) by reshape (Gorgonia's
// own Reshape aliases its input: GORGONIA-NOTES.md), and gorgonia.Mean
// along axis 1 sums the positions in order and divides by h·w.
func globalAvgPoolTwin(x *G.Node) (*G.Node, error) {
	s, err := globalPoolInput("global average pool twin", x)
	if err != nil {
		return nil, err
	}
	flat, err := reshape(x, s[0], s[1]*s[2], s[3])
	if err != nil {
		return nil, errors.Wrap(err, "global average pool twin")
	}
	y, err := G.Mean(flat, 1)
	if err != nil {
		return nil, errors.Wrap(err, "global average pool twin: mean")
	}
	if !y.Shape().Eq(tensor.Shape{s[0], s[3]}) {
		return nil, errors.Errorf("global average pool twin: mean has shape %v, want (%d, %d)", y.Shape(), s[0], s[3])
	}
	return y, nil
}

// globalMaxPoolTwin is globalMaxPoolOp's twin: the maximum over positions
// of each sample's channel, (batch, c), built from Gorgonia primitives
// (and the copying reshape) so that gorgonia.Grad derives its gradient.
//
// x is copied to (batch, n, c), n = h·w positions in row-major order, and
// the positions are reduced pairwise, a tree of ⌈log₂ n⌉ levels: each
// level takes the elementwise maximum of positions 2i and 2i + 1 with
// twinSelectMax, which keeps the earlier one on a tie, and carries an
// odd last position over as it is. Every node of the tree then holds the
// maximum of a contiguous run of positions, and on a tie the first
// maximum of that run (its left half wins a tie with its right), so the
// root holds the first maximum in row-major order and the whole gradient
// of an output goes there, as the fused op's does. Gorgonia's Max
// reduction would not do: its gradient goes, whole, to every tied input
// (TestMaxPoolTwinTies). The tree costs about 12 nodes a level, against
// six a position for a fold of maxPoolTwin's kind over one window.
//
// The select multiplies the loser by 0, so a NaN or −∞ input (or two +∞
// meeting) makes the twin's output NaN (∞·0, NaN·0) where the fused op
// gives a number: the twin holds for finite inputs, as maxPoolTwin does,
// and parity is tested on those.
func globalMaxPoolTwin(x *G.Node) (*G.Node, error) {
	s, err := globalPoolInput("global max pool twin", x)
	if err != nil {
		return nil, err
	}
	batch, n, c := s[0], s[1]*s[2], s[3]
	m, err := reshape(x, batch, n, c)
	if err != nil {
		return nil, errors.Wrap(err, "global max pool twin")
	}
	for n > 1 {
		if m, n, err = twinPairMax(m, n); err != nil {
			return nil, errors.Wrapf(err, "global max pool twin: %d positions", n)
		}
	}
	y, err := reshape(m, batch, c)
	return y, errors.Wrap(err, "global max pool twin")
}

// twinPairMax reduces m (batch, n, c), n ≥ 2, to (batch, ⌈n/2⌉, c): the
// maximum of positions 2i and 2i + 1 (the earlier on a tie), then, when n
// is odd, position n − 1 as it is.
//
// The pairs are stepped slices, S(0, 2k, 2) and S(1, 1 + 2k, 2) for k =
// ⌊n/2⌋ pairs, through twinStrided (which keeps an axis a slice leaves
// with one element). Each must end exactly k steps after its start (the
// trap twinSpan describes): for an even n the second would end one past
// the axis, so m is first padded with one position of the type's lowest
// finite value, which no slice reads.
func twinPairMax(m *G.Node, n int) (*G.Node, int, error) {
	k := n / 2
	src := m
	if n%2 == 0 {
		lowest := -math.MaxFloat64
		if m.Dtype() == tensor.Float32 {
			lowest = -math.MaxFloat32
		}
		var err error
		if src, err = twinPadAxis(m, 1, 0, 1, lowest); err != nil {
			return nil, 0, err
		}
	}
	even, err := twinStrided(src, 1, 0, k, 2)
	if err != nil {
		return nil, 0, err
	}
	odd, err := twinStrided(src, 1, 1, k, 2)
	if err != nil {
		return nil, 0, err
	}
	pairs, err := twinSelectMax(even, odd)
	if err != nil {
		return nil, 0, err
	}
	if n%2 == 0 {
		return pairs, k, nil
	}
	last, err := twinStrided(m, 1, n-1, 1, 1)
	if err != nil {
		return nil, 0, err
	}
	out, err := G.Concat(1, pairs, last)
	return out, k + 1, errors.Wrap(err, "concat the odd position")
}
