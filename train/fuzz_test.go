package train

import (
	"testing"
)

// FuzzLoadCheckpoint feeds arbitrary bytes to the checkpoint reader: it
// must return a trainer or an error, never panic, and never allocate more
// than the input's size calls for. Inputs found to fail are kept in
// testdata/fuzz/FuzzLoadCheckpoint as regression cases.
func FuzzLoadCheckpoint(f *testing.F) {
	tr, _ := blobModel(1)
	if _, err := tr.Fit(blobs(30, 1), FitOptions{Epochs: 1, BatchSize: 10, Seed: 1}); err != nil {
		f.Fatal(err)
	}
	good, err := tr.encode()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("GRADGRPH"))
	model := `{"name":"m","input":2,"dtype":"float32","layers":[{"type":"Dense","name":"d","units":3,"activation":"softmax"}]}`
	hdr := `{"format":"gradgraph-checkpoint","model":` + model + `,"compile":{"loss":"sparse_categorical_crossentropy","metrics":["accuracy"]},"optimizer":{"name":"Adam","config":{"learning_rate":0.01,"beta_1":0.9,"beta_2":0.999,"epsilon":1e-7},"iterations":0,"slots":2},"epoch":0,"tensors":[{"name":"d/kernel","dtype":"float32","shape":[2,3],"offset":0,"size":24},{"name":"d/bias","dtype":"float32","shape":[1,3],"offset":24,"size":12}]}`
	f.Add(craft(1, hdr, make([]byte, 36)))
	f.Fuzz(func(t *testing.T, raw []byte) {
		tr, err := decodeTrainer(raw, "fuzz.ckpt")
		if err != nil {
			return
		}
		// Whatever loads must describe itself and save again.
		if _, err := tr.encode(); err != nil {
			t.Fatalf("loaded checkpoint does not encode: %v", err)
		}
	})
}
