package main

import "github.com/gradgraph/gradgraph/data"

// MNIST's usual standardisation constants: the mean and standard deviation
// of the training pixels scaled to [0, 1].
const (
	mnistMean = 0.1307
	mnistStd  = 0.3081
)

// standardised is a data.Source that yields (x − mean) / std of another
// Source's features, batch by batch, so that MNIST stays bytes in memory.
// On MNIST it turns the 80% zero pixels into −0.4242, which is what the
// dense (not zero-skipping) path of a Dense layer sees.
type standardised struct {
	data.Source
	mean, std float32
}

// Fill fills x and y from the wrapped Source and standardises x in place.
func (s standardised) Fill(idx []int, x, y []float32) {
	s.Source.Fill(idx, x, y)
	for i, v := range x {
		x[i] = (v - s.mean) / s.std
	}
}

// FillsConcurrently answers for the wrapped Source: standardising touches
// only the part of x that one Fill call writes.
func (s standardised) FillsConcurrently() bool {
	c, ok := s.Source.(data.ConcurrentFiller)
	return ok && c.FillsConcurrently()
}

// Label is the wrapped Source's class of sample i.
func (s standardised) Label(i int) int { return data.LabelOf(s.Source, i) }
