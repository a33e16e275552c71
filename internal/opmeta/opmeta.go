// Package opmeta holds the Gorgonia Op methods that every gradgraph op
// answers the same way, for ops to embed instead of repeating them.
package opmeta

import (
	"fmt"
	"hash"
	"hash/fnv"
)

// Pure answers for an op that writes a new value: it returns no pointer
// into its inputs, calls nothing outside Go and overwrites no input. Every
// gradgraph op is one.
type Pure struct{}

// ReturnsPtr returns false: the output is the op's own tensor.
func (*Pure) ReturnsPtr() bool { return false }

// CallsExtern returns false.
func (*Pure) CallsExtern() bool { return false }

// OverwritesInput returns -1: no input is written.
func (*Pure) OverwritesInput() int { return -1 }

// Owned is Pure for an op that owns buffers or state (an output it
// reuses, scratch, what its gradient reads from the forward op): it is
// hashed by its address, so that Gorgonia never merges two such ops into
// one node however alike their parameters. Embedded in an op, its address
// lies within the op's, so it names the op.
type Owned struct{ Pure }

// WriteHash writes the op's address.
func (o *Owned) WriteHash(h hash.Hash) { fmt.Fprintf(h, "gradgraph op %p", o) }

// Hashcode hashes what WriteHash writes.
func (o *Owned) Hashcode() uint32 {
	h := fnv.New32a()
	o.WriteHash(h)
	return h.Sum32()
}
