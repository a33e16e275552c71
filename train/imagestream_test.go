package train

import (
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
)

// streamTestFolder writes 60 seeded 7×6 grey images of three classes as
// PNG class folders and returns the folder.
func streamTestFolder(t *testing.T) string {
	t.Helper()
	const n, rows, cols = 60, 7, 6
	rng := rand.New(rand.NewSource(11))
	pix := make([]byte, n*rows*cols)
	labels := make([]byte, n)
	for i := range labels {
		labels[i] = byte(rng.Intn(3))
		for j := 0; j < rows*cols; j++ {
			// Each class a brighter band, so that there is something to learn.
			pix[i*rows*cols+j] = byte(rng.Intn(128) + 60*int(labels[i])*(j/cols%3)/2)
		}
	}
	im, err := data.NewImages("stream", pix, rows, cols, labels, []string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "folder")
	if err := data.WriteImageFolder(dir, im, nil); err != nil {
		t.Fatal(err)
	}
	return dir
}

// streamConvnet is a small convnet built by Fit for the data's shape.
func streamConvnet(t *testing.T) *Trainer {
	t.Helper()
	m := nn.Sequential("stream_convnet", nn.Conv2D(4, 3, nn.ReLU), nn.Flatten(), nn.Dense(3, nn.Softmax))
	tr, err := Compile(m, RMSprop(0.003), SparseCategoricalCrossentropy(), Accuracy())
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// fitAll fits tr on src and returns the history, the weights, Evaluate's
// logs and Predict's rows.
func fitAll(t *testing.T, tr *Trainer, src data.Source) (*History, [][]float64, Logs, [][]float32) {
	t.Helper()
	h, err := tr.Fit(src, FitOptions{Epochs: 2, BatchSize: 8, Seed: 4, ValidationSplit: 0.25})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := tr.Evaluate(src, 16)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := tr.Predict(src, 16)
	if err != nil {
		t.Fatal(err)
	}
	return h, tr.snapshotWeights(), ev, pr
}

func sameFloat64Bits(a, b [][]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if math.Float64bits(a[i][j]) != math.Float64bits(b[i][j]) {
				return false
			}
		}
	}
	return true
}

// TestFitStreamMatchesInMemory: Fit on a streamed folder, plain and
// augmented, gives bit for bit the weights, history, evaluation and
// predictions of Fit on the same folder read into memory, for the same
// seed, with 1 and 3 decoding workers; the hints reach the stream.
func TestFitStreamMatchesInMemory(t *testing.T) {
	dir := streamTestFolder(t)
	opt := data.ImageFolderOptions{Width: 5, Height: 5, Grayscale: true}
	mem, err := data.ImageFolder(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	aug := data.AugmentOptions{Copies: 2, Seed: 6, FlipHorizontal: true, MaxShift: 1}
	memAug, err := data.Augment(mem, aug)
	if err != nil {
		t.Fatal(err)
	}
	for _, augmented := range []bool{false, true} {
		var want data.Source = mem
		if augmented {
			want = memAug
		}
		wh, ww, wev, wpr := fitAll(t, streamConvnet(t), want)
		for _, workers := range []int{1, 3} {
			o := opt
			o.Workers = workers
			s, err := data.StreamImageFolder(dir, data.ImageStreamOptions{ImageFolderOptions: o})
			if err != nil {
				t.Fatal(err)
			}
			var src data.Source = s
			if augmented {
				if src, err = data.Augment(s, aug); err != nil {
					t.Fatal(err)
				}
			}
			h, w, ev, pr := fitAll(t, streamConvnet(t), src)
			if !sameFloat64Bits(w, ww) {
				t.Errorf("augmented %v, %d workers: weights differ from Fit in memory", augmented, workers)
			}
			if !reflect.DeepEqual(h.Logs, wh.Logs) || !reflect.DeepEqual(ev, wev) || !reflect.DeepEqual(pr, wpr) {
				t.Errorf("augmented %v, %d workers: history %v, evaluation %v; in memory %v, %v", augmented, workers, h.Logs, ev, wh.Logs, wev)
			}
			if st := s.Stats(); st.Hits == 0 || st.Misses == 0 {
				t.Errorf("augmented %v, %d workers: stats %+v: hints did not reach the stream", augmented, workers, st)
			}
		}
	}
}

// TestFitStreamFileGone: a file deleted after the folder was listed stops
// Fit with an error naming the file and the batch, and Evaluate and
// Predict with one naming it and the samples; a step on the zeros it left
// changes no weight.
func TestFitStreamFileGone(t *testing.T) {
	dir := streamTestFolder(t)
	open := func() *data.ImageStream {
		s, err := data.StreamImageFolder(dir, data.ImageStreamOptions{ImageFolderOptions: data.ImageFolderOptions{Grayscale: true}})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s, ev, pr := open(), open(), open()
	victim := s.Files[37]
	if err := os.Remove(victim); err != nil {
		t.Fatal(err)
	}
	tr := streamConvnet(t)
	var before [][]float64
	keep := CallbackFuncs{BatchEnd: func(tr *Trainer, _ int, _ float64) error { before = tr.snapshotWeights(); return nil }}
	_, err := tr.Fit(s, FitOptions{Epochs: 2, BatchSize: 8, Seed: 4, Callbacks: []Callback{keep}})
	var bad data.BadImage
	if err == nil || !errors.As(err, &bad) || bad.Path != victim ||
		!strings.Contains(err.Error(), `fit "stream_convnet": epoch 1, batch `) || !strings.Contains(err.Error(), victim) {
		t.Fatalf("Fit: %v; want an error naming %s and the batch", err, victim)
	}
	if before != nil && !sameFloat64Bits(tr.snapshotWeights(), before) {
		t.Error("the failed step changed the weights")
	}
	if _, err := tr.Evaluate(ev, 16); err == nil || !strings.Contains(err.Error(), "samples 32..47") || !strings.Contains(err.Error(), victim) {
		t.Errorf("Evaluate: %v", err)
	}
	if _, err := tr.Predict(pr, 16); err == nil || !strings.Contains(err.Error(), "samples 32..47") || !strings.Contains(err.Error(), victim) {
		t.Errorf("Predict: %v", err)
	}
}
