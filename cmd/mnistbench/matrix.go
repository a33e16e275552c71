package main

import (
	"fmt"
	"github.com/gradgraph/gradgraph/internal/gemm"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/cmd/internal/cli"
	"github.com/gradgraph/gradgraph/data"
)

// matrixConfig is what -matrix runs.
type matrixConfig struct {
	dir, script        string
	cpus               []int
	epochs, irisEpochs int
	rounds             int // each -cpu setting is timed this many times, in turn (runShape)
	sampleDiv          int // -quick trains on 1/sampleDiv of each MNIST shape's samples
	quick, torch       bool
	seed               int64
	shapes             []shape       // the rows to run, in matrixShapes' order
	peakTime           time.Duration // how long each sgemm peak is timed
}

// newMatrixConfig fills in -matrix's defaults: 5 epochs per shape (Iris:
// 20, its epochs are milliseconds), or with -quick 3 epochs on a quarter of
// the samples (Iris: 12), which fits in about a minute on two cores.
// epochs > 0 (an explicit -epochs) overrides the MNIST shapes' count.
func newMatrixConfig(quick bool, epochs int) matrixConfig {
	c := matrixConfig{epochs: 5, irisEpochs: 20, rounds: defaultRounds, sampleDiv: 1, quick: quick, peakTime: 500 * time.Millisecond, shapes: matrixShapes}
	if quick {
		c.epochs, c.irisEpochs, c.sampleDiv, c.peakTime = 3, 12, 4, 250*time.Millisecond
	}
	if epochs > 0 {
		c.epochs = epochs
	}
	return c
}

// defaultRounds is -rounds' default: each -cpu setting timed twice, once
// before and once after the others (runShape).
const defaultRounds = 2

// defaultCPUs is -cpu's default: 1 and the GOMAXPROCS in effect, so that
// the table shows whether more cores ever make an epoch slower.
func defaultCPUs() []int {
	if n := runtime.GOMAXPROCS(0); n > 1 {
		return []int{1, n}
	}
	return []int{1}
}

// samplesFor is the number of training samples shape s runs on.
func (c matrixConfig) samplesFor(s shape) int {
	if s.iris {
		return s.samples
	}
	return s.samples / c.sampleDiv
}

// epochsFor is the number of epochs shape s is timed over.
func (c matrixConfig) epochsFor(s shape) int {
	if s.iris {
		return c.irisEpochs
	}
	return c.epochs
}

// matrixRow is one shape's measurements.
type matrixRow struct {
	s       shape
	samples int
	gg      map[int]float64 // GOMAXPROCS → median epoch seconds
	ggBest  map[int]float64 // GOMAXPROCS → the fastest round's median epoch
	ggRSS   float64         // MB
	ggErr   error
	torch   torchResult
	tErr    error // nil when the PyTorch columns hold figures
}

// runMatrix times every shape with gradgraph (a child process per shape,
// each -cpu value in turn) and with PyTorch (a process per shape, one
// thread then all), and prints the table.
func runMatrix(c matrixConfig, backend string, stdout io.Writer) error {
	exe, err := os.Executable()
	if err != nil {
		return errors.Wrap(err, "-matrix: finding this program to run each shape in")
	}
	// One clear error for missing MNIST files rather than one per shape.
	if _, _, err := data.MNIST(c.dir, data.Offline()); err != nil {
		return err
	}
	allThreads := runtime.NumCPU()
	peaks := map[int]float64{}
	for _, n := range c.cpus {
		prev := runtime.GOMAXPROCS(n)
		peaks[n] = sgemmPeak(c.peakTime)
		runtime.GOMAXPROCS(prev)
	}
	skip := "-torch=false"
	if c.torch {
		skip = torchAvailable(c.script)
	}
	irisCSV := ""
	if skip == "" {
		tmp, err := os.MkdirTemp("", "mnistbench-")
		if err != nil {
			return errors.Wrap(err, "-matrix: temporary folder for the Iris CSV")
		}
		defer os.RemoveAll(tmp)
		if irisCSV, err = writeIrisCSV(tmp); err != nil {
			return err
		}
	}
	var rows []matrixRow
	for _, s := range c.shapes {
		r := matrixRow{s: s, samples: c.samplesFor(s)}
		fmt.Fprintf(os.Stderr, "mnistbench: %s (%d samples, %d epochs)...\n", s.name, r.samples, c.epochsFor(s))
		r.gg, r.ggBest, r.ggRSS, r.ggErr = runShapeChild(exe, c, s, r.samples)
		if skip != "" {
			r.tErr = errors.New(skip)
		} else {
			r.torch, r.tErr = runTorchShape(c.script, s, c.dir, r.samples, c.epochsFor(s), allThreads, c.seed, irisCSV)
		}
		rows = append(rows, r)
	}
	printMatrixHeader(c, backend, peaks, allThreads, skip, rows, stdout)
	printMatrixTable(c, rows, peaks, allThreads, skip, stdout)
	return nil
}

// runShapeChild runs the gradgraph side of shape s in a child process
// (this program with -matrix-shape) and parses its lines.
func runShapeChild(exe string, c matrixConfig, s shape, samples int) (meds, best map[int]float64, rss float64, err error) {
	args := []string{"-matrix-shape", s.name, "-cpu", cpuListString(c.cpus), "-rounds", strconv.Itoa(max(c.rounds, 1)), "-epochs", strconv.Itoa(c.epochsFor(s)),
		"-samples", strconv.Itoa(samples), "-seed", strconv.FormatInt(c.seed, 10)}
	if c.dir != "" {
		args = append(args, "-data", c.dir)
	}
	out, err := exec.Command(exe, args...).CombinedOutput()
	if err != nil {
		return nil, nil, 0, errors.Errorf("%v: %s", err, cli.OneLine(string(out)))
	}
	return parseShapeLines(string(out), c.cpus)
}

// parseShapeLines reads runShape's lines: the median and the fastest
// round's median per GOMAXPROCS value in cpus, and the peak RSS.
func parseShapeLines(out string, cpus []int) (meds, best map[int]float64, rss float64, err error) {
	meds, best = map[int]float64{}, map[int]float64{}
	seenRSS := false
	for _, kv := range kvLines(out, "gradgraph") {
		if _, ok := kv["peak_rss_mb"]; ok {
			if rss, err = kvFloat(kv, "peak_rss_mb"); err != nil {
				return nil, nil, 0, err
			}
			seenRSS = true
			continue
		}
		n, err := kvInt(kv, "cpu")
		if err != nil {
			return nil, nil, 0, err
		}
		if meds[n], err = kvFloat(kv, "median_epoch_s"); err != nil {
			return nil, nil, 0, err
		}
		if best[n], err = kvFloat(kv, "best_round_s"); err != nil {
			return nil, nil, 0, err
		}
	}
	for _, n := range cpus {
		if _, ok := meds[n]; !ok {
			return nil, nil, 0, errors.Errorf("no median for GOMAXPROCS %d in: %s", n, cli.OneLine(out))
		}
	}
	if !seenRSS {
		return nil, nil, 0, errors.Errorf("no peak RSS in: %s", cli.OneLine(out))
	}
	return meds, best, rss, nil
}

// printMatrixHeader says how the table was measured.
func printMatrixHeader(c matrixConfig, backend string, peaks map[int]float64, allThreads int, skip string, rows []matrixRow, w io.Writer) {
	mode := "full"
	if c.quick {
		mode = fmt.Sprintf("quick: 1/%d of the samples", c.sampleDiv)
	}
	fmt.Fprintf(w, "\nbenchmark matrix (%s), %s, %s/%s, %d CPUs, seed %d\n",
		mode, time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), c.seed)
	fmt.Fprintf(w, "gradgraph: backend %s, sgemm kernel %s (GODEBUG=%q); a process per shape; median of %d epochs (Iris %d) × %d rounds; GOMAXPROCS %s in turn, the order reversed every other round (default here %d)\n",
		backend, gemm.Kernel(), os.Getenv("GODEBUG"), c.epochs, c.irisEpochs, max(c.rounds, 1), cpuListString(c.cpus), runtime.GOMAXPROCS(0))
	var ps []string
	for _, n := range c.cpus {
		ps = append(ps, fmt.Sprintf("%.1f GFLOP/s at GOMAXPROCS %d", peaks[n], n))
	}
	fmt.Fprintf(w, "sgemm peak (128x784 · 784x512 through kernels.Gemm, the GEMM of the Dense layers, this run): %s\n", strings.Join(ps, ", "))
	fmt.Fprintln(w, "GFLOP/s are nominal: 6·batch·Σ in·out per step (2 FLOP a multiply-add forward, twice that backward; BatchNorm, activations and the optimiser not counted; for the convnet, Σ positions·kh·kw·cin·filters, the first layer's input gradient counted though never formed); % peak is against the sgemm peak at the same GOMAXPROCS, above 100% where zeros were skipped")
	if skip != "" {
		fmt.Fprintf(w, "PyTorch: skipped (%s)\n", skip)
		return
	}
	version, blas := "", ""
	for _, r := range rows {
		if r.tErr == nil {
			version, blas = r.torch.version, r.torch.blas
		}
	}
	fmt.Fprintf(w, "PyTorch %s on %s: %s %s, a process per shape, torch.set_num_threads (and the BLAS's) 1 then %d, zero_grad(set_to_none=False), env %s\n",
		version, blas, torchPython(), c.script, allThreads, strings.Join(torchMallocEnv, " "))
	if referenceBLAS(blas) {
		fmt.Fprintln(w, "WARNING: PyTorch runs on netlib's reference BLAS, tens of times below its best: apt-get install libblis4-pthread (or libopenblas0-pthread) and run again")
	}
}

// printMatrixTable prints a row per shape and GOMAXPROCS value.
// A PyTorch failure on one shape is noted under the table; skip (why
// PyTorch did not run at all) is said once, in the header.
func printMatrixTable(c matrixConfig, rows []matrixRow, peaks map[int]float64, allThreads int, skip string, w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "shape\tsamples\tGOMAXPROCS\tgradgraph s\tbest round s\ttorch 1t s\ttorch %dt s\tratio\tGFLOP/s\t%% peak\tRSS MB\ttorch RSS MB\t\n", allThreads)
	var notes []string
	for _, r := range rows {
		t1, tn, tRSS, best := "skipped", "skipped", "skipped", 0.0
		if r.tErr == nil {
			t1, tn, tRSS = seconds(r.torch.oneThread), seconds(r.torch.allThreads), fmt.Sprintf("%.0f", r.torch.rssMB)
			best = min(r.torch.oneThread, r.torch.allThreads)
		} else if skip == "" {
			notes = append(notes, fmt.Sprintf("%s, PyTorch: %v", r.s.name, r.tErr))
		}
		if r.ggErr != nil {
			notes = append(notes, fmt.Sprintf("%s, gradgraph: %v", r.s.name, r.ggErr))
			fmt.Fprintf(tw, "%s\t%d\t-\tfailed\t-\t%s\t%s\t-\t-\t-\t-\t%s\t\n", r.s.name, r.samples, t1, tn, tRSS)
			continue
		}
		for _, n := range c.cpus {
			med := r.gg[n]
			gflops := r.s.epochFLOP(r.samples) / med / 1e9
			ratio := "-"
			if best > 0 {
				ratio = fmt.Sprintf("%.2fx", med/best)
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%.1f\t%.0f%%\t%.0f\t%s\t\n",
				r.s.name, r.samples, n, seconds(med), seconds(r.ggBest[n]), t1, tn, ratio, gflops, 100*gflops/peaks[n], r.ggRSS, tRSS)
		}
	}
	tw.Flush()
	fmt.Fprintln(w, "gradgraph s: the median epoch over every round; best round s: the fastest round's median (least disturbed by other tenants of a shared machine)")
	fmt.Fprintln(w, "ratio: gradgraph's median epoch over PyTorch's faster setting; RSS: each process's peak (gradgraph's over all its GOMAXPROCS runs, PyTorch's over both thread settings)")
	for _, n := range notes {
		fmt.Fprintln(w, "note:", n)
	}
}

// seconds formats an epoch time with three decimals, or three significant
// digits below 0.1 s (Iris's epochs take about 2 ms).
func seconds(v float64) string {
	d := 3
	if v > 0 {
		d = max(3, 2-int(math.Floor(math.Log10(v))))
	}
	return strconv.FormatFloat(v, 'f', d, 64)
}
