package data

import (
	"math/rand"
	"testing"
)

func BenchmarkMNISTLoad(b *testing.B) {
	dir := mnistDir(b)
	b.Setenv(EnvDataDir, "")
	for i := 0; i < b.N; i++ {
		if _, _, err := MNIST(dir, Offline()); err != nil {
			b.Fatal(err)
		}
	}
}

// benchImages is an MNIST-sized set of random bytes, so the Fill
// benchmarks run without the data files.
func benchImages(b *testing.B) *Images {
	const n = 60000
	rng := rand.New(rand.NewSource(1))
	pix := make([]byte, n*784)
	rng.Read(pix)
	labels := make([]byte, n)
	for i := range labels {
		labels[i] = byte(rng.Intn(10))
	}
	m, err := NewImages("bench", pix, 28, 28, labels, mnistSet.classes)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// batchIndices returns shuffled batches of 128, as training reads them.
func batchIndices(n int) [][]int {
	perm := rand.New(rand.NewSource(2)).Perm(n)
	var out [][]int
	for i := 0; i+128 <= n; i += 128 {
		out = append(out, perm[i:i+128])
	}
	return out
}

// BenchmarkImagesFill measures a batch of 128 images scaled from bytes to
// float32 in Fill, the way Images works.
func BenchmarkImagesFill(b *testing.B) {
	m := benchImages(b)
	batches := batchIndices(m.Len())
	x := make([]float32, 128*784)
	y := make([]float32, 128)
	b.SetBytes(128 * 784)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Fill(batches[i%len(batches)], x, y)
	}
}

// BenchmarkImagesFillPrescaled is the alternative Images does not take:
// scale everything to float32 once (4x the memory) and copy rows per batch.
func BenchmarkImagesFillPrescaled(b *testing.B) {
	m := benchImages(b)
	all := m.Float32()
	d, err := NewDataset("prescaled", all, 784, make([]float32, m.Len()), 1, nil)
	if err != nil {
		b.Fatal(err)
	}
	batches := batchIndices(m.Len())
	x := make([]float32, 128*784)
	y := make([]float32, 128)
	b.SetBytes(128 * 784)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.Fill(batches[i%len(batches)], x, y)
	}
}

// BenchmarkImagesFloat32 is the one-off cost of prescaling all of MNIST's
// training images.
func BenchmarkImagesFloat32(b *testing.B) {
	m := benchImages(b)
	b.SetBytes(int64(m.Len() * 784))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = m.Float32()
	}
}
