package nn

import (
	"math"
	"math/rand"

	"github.com/gradgraph/gradgraph/graph"
)

// glorotUniform fills p with Keras's default kernel initialiser: uniform on
// [-limit, limit] with limit = sqrt(6/(fanIn+fanOut)), which keeps the
// variance of activations roughly constant from layer to layer.
func glorotUniform(p *graph.Param, fanIn, fanOut int, rng *rand.Rand) {
	limit := math.Sqrt(6 / float64(fanIn+fanOut))
	for i := 0; i < p.Size(); i++ {
		p.SetAt(i, (float64(2*rng.Float64())-1)*limit)
	}
}

// fill sets every element of p to x.
func fill(p *graph.Param, x float64) {
	for i := 0; i < p.Size(); i++ {
		p.SetAt(i, x)
	}
}
