package train

import "math/rand"

// epochRand returns the generator for one epoch: it shuffles the epoch's
// samples and draws its dropout masks. Deriving it from (seed, epoch) rather
// than carrying one generator through the run means training resumed at
// epoch e draws exactly the numbers an uninterrupted run would.
func epochRand(seed int64, epoch int) *rand.Rand {
	// splitmix64 finaliser: nearby (seed, epoch) pairs give unrelated streams.
	z := uint64(seed)*0x9E3779B97F4A7C15 + uint64(epoch+1)*0xBF58476D1CE4E5B9
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	z ^= z >> 31
	return rand.New(rand.NewSource(int64(z)))
}
