package train

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestOptimizerStateFormatUnchanged: the checkpoints of FuzzLoadResealed's
// seed corpus, written by the SGD, Adam and RMSprop of before the optimiser
// registry (trained and untrained, float32 and float64, Nesterov), load
// and save again to the same bytes: the registry did not change the file
// format for them, the header's optimizer entry included.
func TestOptimizerStateFormatUnchanged(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzLoadResealed")
	for _, name := range []string{
		"dense_batchnorm_dropout_adam", "float64_tanh_sgd_nesterov", "custom_layer_rmsprop",
		"activation_only_untrained", "dense_mse_untrained_adam",
	} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var h, d string
		if _, err := fmt.Sscanf(string(b), "go test fuzz v1\n[]byte(%q)\n[]byte(%q)\n", &h, &d); err != nil {
			t.Fatalf("seed %s: %v", name, err)
		}
		old := craft(1, h, []byte(d))
		tr, err := decodeTrainer(old, name)
		if err != nil {
			t.Fatalf("seed %s: %v", name, err)
		}
		again, err := tr.encode()
		if err != nil {
			t.Fatalf("seed %s: %v", name, err)
		}
		if !bytes.Equal(again, old) {
			t.Errorf("seed %s (%s): saved again, %d bytes differ from the %d of the file\nold header %s\nnew header %s",
				name, tr.Optimizer.Name(), len(again), len(old), h, headerOf(t, again))
		}
	}
}

// headerOf is a sealed checkpoint's header JSON, for failure messages.
func headerOf(t *testing.T, raw []byte) string {
	t.Helper()
	h, _ := splitCheckpoint(t, raw)
	return string(h)
}
