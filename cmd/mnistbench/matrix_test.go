package main

import (
	"bytes"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gradgraph/gradgraph/data"
)

func TestParseCPUList(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []int
	}{{"1,2", []int{1, 2}}, {" 2 , 1", []int{2, 1}}, {"16", []int{16}}, {"1,2,4096", []int{1, 2, 4096}}} {
		got, err := parseCPUList(c.in)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("parseCPUList(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
		if s := cpuListString(got); err == nil && strings.ReplaceAll(c.in, " ", "") != s {
			t.Errorf("cpuListString(%v) = %q, want %q", got, s, strings.ReplaceAll(c.in, " ", ""))
		}
	}
	for _, in := range []string{"", "0", "-1", "1,1", "a", "1,,2", "4097", "1.5"} {
		if got, err := parseCPUList(in); err == nil || !strings.Contains(err.Error(), "-cpu") {
			t.Errorf("parseCPUList(%q) = %v, %v; want an error naming -cpu", in, got, err)
		}
	}
}

// The matrix's nominal work agrees with the recipe's 146 GFLOP epoch and
// with hand-counted multiply-adds.
func TestShapeWork(t *testing.T) {
	s512, _ := findShape("512-raw")
	if got := s512.epochFLOP(60000); got != epochFLOP {
		t.Errorf("512 shape over 60,000 samples: %v FLOP, the recipe counts %v", got, epochFLOP)
	}
	for _, c := range []struct {
		name string
		macs float64
	}{
		{"512-std", 784*512 + 512*10},
		{"1024x2-raw", 784*1024 + 1024*1024 + 1024*10},
		{"2048x2-std", 784*2048 + 2048*2048 + 2048*10},
		{"iris", 4*64 + 64*64 + 64*3},
		// 26·26 positions × 3·3·1 × 32 filters, 11·11 × 3·3·32 × 64, 3·3 × 3·3·64 × 128, 1152 × 10.
		{"convnet", 194688 + 2230272 + 663552 + 11520},
		// 28·28 × 3·3·1 × 32 (stem), 2 × 14·14 × 3·3·32 × 32 (block 1),
		// 7·7 × 3·3·32 × 64, 7·7 × 3·3·64 × 64, 7·7 × 32 × 64 (block 2 and
		// its projection), 64 × 10.
		{"resnet", 225792 + 2*1806336 + 903168 + 1806336 + 100352 + 640},
	} {
		s, ok := findShape(c.name)
		if !ok {
			t.Fatalf("no shape %s", c.name)
		}
		if got := s.macsPerSample(); got != c.macs {
			t.Errorf("%s: %v multiply-adds per sample, want %v", c.name, got, c.macs)
		}
		if got := s.epochFLOP(100); got != 600*c.macs {
			t.Errorf("%s: epochFLOP(100) = %v, want %v", c.name, got, 600*c.macs)
		}
	}
}

// The matrix is issue 12's table plus Iris, in its order and sizes, then
// issue 14's convnet and issue 19's resnet.
func TestMatrixShapesAreTheIssues(t *testing.T) {
	want := []struct {
		name    string
		samples int
		std     bool
	}{{"512-raw", 20000, false}, {"512-std", 20000, true}, {"1024x2-raw", 5000, false},
		{"1024x2-std", 5000, true}, {"2048x2-std", 2500, true}, {"iris", 120, false}, {"convnet", 6000, false},
		{"resnet", 6000, false}}
	if len(matrixShapes) != len(want) {
		t.Fatalf("%d shapes, want %d", len(matrixShapes), len(want))
	}
	for i, w := range want {
		s := matrixShapes[i]
		if s.name != w.name || s.samples != w.samples || s.standardised != w.std {
			t.Errorf("shape %d: %+v, want %+v", i, s, w)
		}
	}
	d, err := irisTrain()
	if err != nil || d.Len() != irisTrainSamples {
		t.Errorf("Iris train split: %v samples (%v), want %d", d.Len(), err, irisTrainSamples)
	}
	quick := newMatrixConfig(true, 0)
	s, _ := findShape("2048x2-std")
	iris, _ := findShape("iris")
	if quick.samplesFor(s) != 625 || quick.samplesFor(iris) != 120 || quick.epochsFor(s) != 3 || quick.epochsFor(iris) != 12 {
		t.Errorf("quick: %d and %d samples, %d and %d epochs; want 625, 120, 3, 12",
			quick.samplesFor(s), quick.samplesFor(iris), quick.epochsFor(s), quick.epochsFor(iris))
	}
	if cv, _ := findShape("convnet"); cv.batch() != 64 || !cv.convnet {
		t.Errorf("convnet shape: batch %d, convnet %v; want 64, true", cv.batch(), cv.convnet)
	}
	if rn, _ := findShape("resnet"); rn.batch() != 64 || !rn.resnet || rn.convnet {
		t.Errorf("resnet shape: batch %d, resnet %v, convnet %v; want 64, true, false", rn.batch(), rn.resnet, rn.convnet)
	}
	if full := newMatrixConfig(false, 7); full.samplesFor(s) != 2500 || full.epochsFor(s) != 7 {
		t.Errorf("full with -epochs 7: %d samples, %d epochs; want 2500, 7", full.samplesFor(s), full.epochsFor(s))
	}
}

func TestStandardisedSource(t *testing.T) {
	d, err := data.NewDataset("t", []float32{0, 1, 0.5, 0}, 2, []float32{1, 0}, 1, []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	src := standardised{Source: d, mean: mnistMean, std: mnistStd}
	x, y := make([]float32, 4), make([]float32, 2)
	src.Fill([]int{1, 0}, x, y)
	want := []float64{1.198636806231743, -0.424212917883804, -0.424212917883804, 2.82148653034729}
	for i := range want {
		if math.Abs(float64(x[i])-want[i]) > 1e-6 {
			t.Errorf("x[%d] = %v, want %v", i, x[i], want[i])
		}
	}
	if y[0] != 0 || y[1] != 1 {
		t.Errorf("labels %v, want [0 1]: standardising must leave targets alone", y)
	}
	if src.Label(0) != 1 || src.FillsConcurrently() {
		t.Errorf("Label(0) = %d, FillsConcurrently %v; want 1 and false (a Dataset does not say it fills concurrently)",
			src.Label(0), src.FillsConcurrently())
	}
	im, err := data.NewImages("im", []byte{0, 255}, 1, 1, []byte{0, 1}, []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if !(standardised{Source: im}).FillsConcurrently() {
		t.Error("over Images (which fill concurrently) FillsConcurrently is false")
	}
}

func TestParseTorchLines(t *testing.T) {
	out := "some warning\n" +
		"torch shape=512-std threads=1 median_epoch_s=0.325000 best_epoch_s=0.3 loss=0.5\n" +
		"torch shape=512-std threads=2 median_epoch_s=0.400000 best_epoch_s=0.39 loss=0.5\n" +
		"torch shape=512-std version=1.13.1 blas=/usr/lib/x86_64-linux-gnu/blis-pthread/libblas.so.3 peak_rss_mb=512.5\n"
	r, err := parseTorchLines(out, 2)
	if err != nil || r != (torchResult{oneThread: 0.325, allThreads: 0.4, rssMB: 512.5, version: "1.13.1",
		blas: "/usr/lib/x86_64-linux-gnu/blis-pthread/libblas.so.3"}) {
		t.Errorf("parseTorchLines = %+v, %v", r, err)
	}
	one := "torch shape=x threads=1 median_epoch_s=1.5\ntorch shape=x version=1 peak_rss_mb=9\n"
	if r, err := parseTorchLines(one, 1); err != nil || r.oneThread != 1.5 || r.allThreads != 1.5 {
		t.Errorf("one CPU: the 1-thread run is also the all-threads one; got %+v, %v", r, err)
	}
	for name, bad := range map[string]string{
		"no all-threads line": one,
		"no RSS":              "torch shape=x threads=1 median_epoch_s=1\ntorch shape=x threads=2 median_epoch_s=1\n",
		"bad number":          "torch shape=x threads=1 median_epoch_s=fast\n",
		"nothing":             "Traceback ...\n",
	} {
		if _, err := parseTorchLines(bad, 2); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestReferenceBLAS(t *testing.T) {
	for path, want := range map[string]bool{
		"/usr/lib/x86_64-linux-gnu/blas/libblas.so.3":             true,
		"/usr/lib/x86_64-linux-gnu/blis-pthread/libblas.so.3":     false,
		"/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3": false,
		"unknown": false,
	} {
		if got := referenceBLAS(path); got != want {
			t.Errorf("referenceBLAS(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestParseShapeLines(t *testing.T) {
	out := "gradgraph shape=s cpu=1 median_epoch_s=2.5 best_round_s=2.25 loss=1\ngradgraph shape=s cpu=2 median_epoch_s=1.25 best_round_s=1 loss=1\ngradgraph shape=s peak_rss_mb=100\n"
	meds, best, rss, err := parseShapeLines(out, []int{1, 2})
	if err != nil || meds[1] != 2.5 || meds[2] != 1.25 || best[1] != 2.25 || best[2] != 1 || rss != 100 {
		t.Errorf("parseShapeLines = %v, %v, %v, %v", meds, best, rss, err)
	}
	for _, c := range []struct{ what, out string }{
		{"a missing GOMAXPROCS 4 line", out},
		{"a missing peak RSS", "gradgraph shape=s cpu=1 median_epoch_s=2.5 best_round_s=2 loss=1\n"},
		{"a missing best round", "gradgraph shape=s cpu=1 median_epoch_s=2.5 loss=1\ngradgraph shape=s peak_rss_mb=100\n"},
	} {
		cpus := []int{1}
		if c.what == "a missing GOMAXPROCS 4 line" {
			cpus = []int{1, 4}
		}
		if _, _, _, err := parseShapeLines(c.out, cpus); err == nil {
			t.Errorf("no error for %s", c.what)
		}
	}
}

// The Go side trains on the Iris rows it writes for PyTorch, bit for bit.
func TestIrisRecordRoundTrips(t *testing.T) {
	d, err := irisTrain()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < d.Len(); i++ {
		rec := irisRecord(d, i)
		for j, v := range d.Row(i) {
			f, err := strconv.ParseFloat(rec[j], 32)
			if err != nil || float32(f) != v {
				t.Fatalf("row %d feature %d: %q reads back as %v, want %v", i, j, rec[j], f, v)
			}
		}
		if rec[len(rec)-1] != strconv.Itoa(d.Label(i)) {
			t.Fatalf("row %d: label %s, want %d", i, rec[len(rec)-1], d.Label(i))
		}
	}
}

func TestMatrixTable(t *testing.T) {
	s, _ := findShape("512-std")
	c := matrixConfig{cpus: []int{1, 2}, torch: true}
	rows := []matrixRow{{s: s, samples: 1000, gg: map[int]float64{1: 0.2, 2: 0.1}, ggBest: map[int]float64{1: 0.175, 2: 0.0875}, ggRSS: 50,
		torch: torchResult{oneThread: 0.5, allThreads: 0.4, rssMB: 400}}}
	var b bytes.Buffer
	// 6·1000·406528 FLOP = 2.439 GFLOP: 12.2 GFLOP/s in 0.2 s, 24.4 in 0.1 s.
	printMatrixTable(c, rows, map[int]float64{1: 24.39168, 2: 48.78336}, 2, "", &b)
	for _, want := range []string{"0.50x", "0.25x", "12.2", "24.4", "50%", "0.500", "0.400", "400", "0.175", "0.0875"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	rows[0].tErr = errStr("no torch")
	printMatrixTable(c, rows, map[int]float64{1: 1, 2: 1}, 2, "no torch", &b)
	if strings.Count(b.String(), "skipped") != 6 || strings.Contains(b.String(), "x ") || strings.Contains(b.String(), "note:") {
		t.Errorf("without PyTorch: want 3 skipped columns on each of 2 rows, no ratio and no note:\n%s", b.String())
	}
}

type errStr string

func (e errStr) Error() string { return string(e) }

// runShape prints the lines runMatrix parses, for each GOMAXPROCS value
// (the fastest round's median never above the median of all rounds' epochs,
// which lies between the rounds' medians), and the same seed gives the same
// loss at a given GOMAXPROCS.
func TestRunShapeIris(t *testing.T) {
	s, _ := findShape("iris")
	src, err := shapeData(s, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var b1, b2 bytes.Buffer
	if err := runShape(s, src, []int{1, 2}, 2, 2, 3, "", &b1); err != nil {
		t.Fatal(err)
	}
	meds, best, rss, err := parseShapeLines(b1.String(), []int{1, 2})
	if err != nil || meds[1] <= 0 || meds[2] <= 0 || best[1] <= 0 || best[1] > meds[1] || best[2] > meds[2] || rss <= 0 {
		t.Fatalf("runShape's lines parse as %v, %v, %v, %v:\n%s", meds, best, rss, err, b1.String())
	}
	if err := runShape(s, src, []int{1, 2}, 2, 2, 3, "", &b2); err != nil {
		t.Fatal(err)
	}
	losses := func(out string) []string {
		var l []string
		for _, kv := range kvLines(out, "gradgraph") {
			l = append(l, kv["loss"])
		}
		return l
	}
	if l1, l2 := losses(b1.String()), losses(b2.String()); !reflect.DeepEqual(l1, l2) {
		t.Errorf("same seed, losses %v then %v", l1, l2)
	}
}

func TestRoundOrder(t *testing.T) {
	for _, c := range []struct {
		cpus []int
		r    int
		want []int
	}{
		{[]int{1, 2}, 0, []int{1, 2}},
		{[]int{1, 2}, 1, []int{2, 1}},
		{[]int{1, 2}, 2, []int{1, 2}},
		{[]int{1, 2, 4}, 3, []int{4, 2, 1}},
		{[]int{2}, 1, []int{2}},
	} {
		cpus := slices.Clone(c.cpus)
		if got := roundOrder(cpus, c.r); !slices.Equal(got, c.want) || !slices.Equal(cpus, c.cpus) {
			t.Errorf("roundOrder(%v, %d) = %v (cpus now %v), want %v and cpus unchanged", c.cpus, c.r, got, cpus, c.want)
		}
	}
}

func TestSelectShapes(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "512-raw 512-std 1024x2-raw 1024x2-std 2048x2-std iris convnet resnet"},
		{"resnet,convnet", "convnet resnet"},
		{"convnet", "convnet"},
		{" convnet, 512-raw ", "512-raw convnet"},
	} {
		got, err := selectShapes(c.in)
		var names []string
		for _, s := range got {
			names = append(names, s.name)
		}
		if err != nil || strings.Join(names, " ") != c.want {
			t.Errorf("selectShapes(%q) = %v, %v; want %s", c.in, names, err, c.want)
		}
	}
	if _, err := selectShapes("convnet,lenet"); err == nil || !strings.Contains(err.Error(), `-shapes: no shape "lenet"`) {
		t.Errorf("selectShapes with an unknown name: %v", err)
	}
}

func TestSeconds(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{{1.2234, "1.223"}, {0.5, "0.500"}, {0.0021449, "0.00214"}, {0.02, "0.0200"}, {12.5, "12.500"}, {0, "0.000"}} {
		if got := seconds(c.v); got != c.want {
			t.Errorf("seconds(%v) = %q, want %q", c.v, got, c.want)
		}
	}
}

// The matrix's resnet is the recipe cmd/mnist trains (recipe.Resnet): the
// recipe's 78,026 params (cmd/mnist's TestResnetSummary counts them by
// hand), its merges, and Adam.
func TestResnetShapeIsTheRecipe(t *testing.T) {
	s, _ := findShape("resnet")
	tr, err := shapeTrainer(s, 784, 10, 1)
	if err != nil {
		t.Fatal(err)
	}
	sum := tr.NN().Summary()
	for _, want := range []string{"Total params: 78,026", "Non-trainable params: 512", "add_1 (Add)", "(None, 7, 7, 64)", "global_average_pooling2d"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
	if tr.Optimizer.Name() != "Adam" {
		t.Errorf("optimizer %s, want Adam", tr.Optimizer.Name())
	}
}
