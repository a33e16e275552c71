package main

import (
	"fmt"
	"strings"

	"github.com/gradgraph/gradgraph/cmd/internal/report"
	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/graph/blas"
	"github.com/gradgraph/gradgraph/train"
)

// evaluation is the trained model's answer on the test images.
type evaluation struct {
	logs   train.Logs
	probs  [][]float32
	labels []int
}

func evaluate(tr *train.Trainer, c config, s *sets) (evaluation, error) {
	var ev evaluation
	batch := min(c.batch, s.test.Len())
	var err error
	if ev.logs, err = tr.Evaluate(s.test, batch); err != nil {
		return ev, err
	}
	if ev.probs, err = tr.Predict(s.test, batch); err != nil {
		return ev, err
	}
	ev.labels = make([]int, s.test.Len())
	for i := range ev.labels {
		ev.labels[i] = data.LabelOf(s.test, i)
	}
	return ev, nil
}

// samplesShown is how many test images the report draws with their
// probability bars.
const samplesShown = 6

// writeOutputs writes mistakes.png, then with report.Write history.csv,
// curves.png, confusion.png, the samples' figures, metrics.json and
// report.html / report.md, all to st's folder, from which commit moves
// them into -out.
func writeOutputs(c config, st *staged, s *sets, tr *train.Trainer, title string, fit fitResult, ev evaluation) error {
	conf, picks, err := report.FromPredictions(ev.probs, ev.labels, len(s.classes), samplesShown)
	if err != nil {
		return err
	}
	for i := range picks {
		picks[i].Pixels = grey(pixels(s.test, picks[i].Sample), s.c)
		picks[i].Width, picks[i].Height = s.w, s.h
	}
	wrong, err := writeMistakes(st.outFile(mistakesFile), s, ev)
	if err != nil {
		return err
	}
	test := s.testName()
	m := metrics(c, s, tr, fit, ev)
	m["misclassified"] = wrong
	return report.Write(st.dir, report.Report{
		Title:   title,
		Command: "images",
		Metrics: m,
		Sections: []report.Section{
			report.Table("Data", "training images", "train_dir", "test images", "test_set",
				"image size (width x height x channels)", "image_size", "classes", "classes", "class names", "class_names_list",
				"training samples", "train_samples", "test samples", "test_samples", "read", "read_as"),
			report.Table("Hyperparameters", "recipe", "model", "optimizer", "optimizer", "learning rate", "learning_rate",
				"batch size", "batch_size", "epochs", "epochs", "seed", "seed"),
			report.Table(test+" set", "accuracy", "test_accuracy", "loss", "test_loss", "misclassified", "misclassified"),
			report.Table("Run", "loading time (s)", "load_seconds", "training time (s)", "train_seconds",
				"samples per second", "samples_per_second", "backend", "backend", "fused ops", "fused",
				"peak memory (bytes)", "peak_rss_bytes"),
		},
		History:     fit.hist,
		BestEpoch:   -1,
		CurvesTitle: title,
		Model:       tr.NN(),
		Summary:     tr.NN().Summary(),
		Confusion:   conf,
		ConfusionOf: fmt.Sprintf("%s set, %d images", test, s.test.Len()),
		Classes:     s.classes,
		Predictions: picks,
		Figures:     []report.Figure{{File: mistakesFile, Title: fmt.Sprintf("Misclassified %s images: true and predicted class", strings.ToLower(test))}},
	})
}

// metrics are metrics.json's fields. The timings and the memory
// (epoch_seconds, train_seconds, samples_per_second, load_seconds,
// peak_rss_bytes) are the only ones that change between two runs of the
// same flags.
func metrics(c config, s *sets, tr *train.Trainer, fit fitResult, ev evaluation) map[string]any {
	testSet := "-test " + c.testDir
	if s.split {
		testSet = fmt.Sprintf("%g of -train held out (seed %d)", c.val, c.seed)
	}
	valSplit := 0.0 // none: -test
	if s.split {
		valSplit = c.val
	}
	readAs := "decoded up front, in memory"
	if c.stream {
		readAs = "streamed (decoded batch by batch)"
	}
	return map[string]any{
		"test_accuracy":      ev.logs["accuracy"],
		"test_loss":          ev.logs["loss"],
		"epoch_seconds":      fit.epochSeconds,
		"train_seconds":      fit.seconds,
		"samples_per_second": fit.samplesPerSecond,
		"load_seconds":       s.loadSeconds,
		"peak_rss_bytes":     report.PeakRSS(),
		"train_dir":          c.trainDir,
		"test_dir":           c.testDir,
		"test_set":           testSet,
		"validation_split":   valSplit,
		"stream":             c.stream,
		"read_as":            readAs,
		"image_width":        s.w,
		"image_height":       s.h,
		"channels":           s.c,
		"image_size":         fmt.Sprintf("%dx%dx%d", s.w, s.h, s.c),
		"classes":            len(s.classes),
		"class_names":        s.classes,
		"class_names_list":   joinNames(s.classes),
		"model":              c.model,
		"optimizer":          tr.Optimizer.Name(),
		"learning_rate":      c.lr,
		"backend":            blas.Name(),
		"fused":              tr.NN().Fused(),
		"epochs":             len(fit.hist.Epoch),
		"batch_size":         c.batch,
		"seed":               c.seed,
		"train_samples":      s.train.Len(),
		"test_samples":       s.test.Len(),
	}
}

// pixels returns test image i's values 0..255, height × width × channels.
func pixels(src data.Source, i int) []float32 {
	x := make([]float32, src.Features())
	src.Fill([]int{i}, x, nil)
	return x
}

// grey turns pixels of c channels into one grey level each (the mean of
// R, G and B), for the report's grey sample pictures.
func grey(pix []float32, c int) []float64 {
	out := make([]float64, len(pix)/c)
	for i := range out {
		var sum float64
		for k := 0; k < c; k++ {
			sum += float64(pix[i*c+k])
		}
		out[i] = sum / float64(c)
	}
	return out
}

// joinNames lists class names for the report, the first maxNamesShown.
func joinNames(names []string) string {
	if len(names) > maxNamesShown {
		return fmt.Sprintf("%s, … (%d in all)", strings.Join(names[:maxNamesShown], ", "), len(names))
	}
	return strings.Join(names, ", ")
}

const maxNamesShown = 20
