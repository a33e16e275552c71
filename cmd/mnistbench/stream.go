package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/cmd/internal/cli"
	"github.com/gradgraph/gradgraph/cmd/internal/report"
	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

// The streaming benchmark (-stream, issue 21): Fashion-MNIST's 60,000
// training images written once as PNG class folders, then, each case in a
// process of its own so that its peak RSS is its own:
//
//   - memory: data.ImageFolder reads the folder into memory, and one epoch
//     of a small dense network (Dense(128, relu), Dense(10, softmax),
//     RMSprop 1e-3, batch 128) trains on it;
//   - stream: the same epoch on data.StreamImageFolder, which decodes each
//     image when its batch comes (the next batch while this one trains) and
//     keeps decoded images for later epochs up to its cache cap;
//   - stream-aug: the same on data.Augment of the stream, -copies variants
//     of each image (flipped, shifted by up to 2 pixels): 600,000 images by
//     default, made from the stream's kept images, none of the variants held;
//   - pipeline, pipeline-aug: the stream and its augmentation read batch by
//     batch with the same hints and no training: what the pipeline alone
//     delivers on these cores.
//
// Each child prints one line:
//
//	stream case=NAME images=N open_s=S epoch_s=S images_per_s=R peak_rss_mb=M held_mb=H loss=L

// streamCases are the cases in the order they run and print.
var streamCases = []string{"memory", "stream", "stream-aug", "pipeline", "pipeline-aug"}

// streamConfig is the benchmark's flags.
type streamConfig struct {
	on      bool
	caseArg string
	dir     string
	copies  int
	workers int
	seed    int64
}

// streamFlags registers the benchmark's flags on fs.
func streamFlags(fs *flag.FlagSet) *streamConfig {
	c := &streamConfig{}
	fs.BoolVar(&c.on, "stream", false, "run the streaming benchmark (Fashion-MNIST as PNG folders: in memory, streamed, streamed and augmented -copies times) instead of the recipe")
	fs.StringVar(&c.caseArg, "stream-case", "", "run one streaming case and print its line (what -stream runs in each child process): "+strings.Join(streamCases, ", "))
	fs.StringVar(&c.dir, "stream-dir", filepath.Join(os.TempDir(), "gradgraph-fashion-png"), "with -stream: the PNG folder, written from Fashion-MNIST's training set when missing")
	fs.IntVar(&c.copies, "copies", 10, "with -stream: variants of each image in the augmented cases")
	fs.IntVar(&c.workers, "stream-workers", 0, "with -stream: decoding goroutines (0: GOMAXPROCS)")
	return c
}

// runStream runs the benchmark (the parent) or one case (a child).
func runStream(c streamConfig, seed int64, stdout io.Writer) error {
	c.seed = seed
	if c.copies < 1 {
		return errors.Errorf("-copies %d: want at least 1", c.copies)
	}
	if c.caseArg != "" {
		return runStreamCase(c, stdout)
	}
	exe, err := os.Executable()
	if err != nil {
		return errors.Wrap(err, "-stream: finding this program to run each case in")
	}
	n, wrote, err := fashionFolder(c.dir)
	if err != nil {
		return err
	}
	var rows []map[string]string
	for _, name := range streamCases {
		fmt.Fprintf(os.Stderr, "mnistbench: stream case %s...\n", name)
		args := []string{"-stream-case", name, "-stream-dir", c.dir, "-copies", strconv.Itoa(c.copies),
			"-stream-workers", strconv.Itoa(c.workers), "-seed", strconv.FormatInt(c.seed, 10)}
		out, err := exec.Command(exe, args...).CombinedOutput()
		if err != nil {
			return errors.Errorf("stream case %s: %v: %s", name, err, cli.OneLine(string(out)))
		}
		kv := kvLines(string(out), "stream")
		if len(kv) != 1 {
			return errors.Errorf("stream case %s: no result line in: %s", name, cli.OneLine(string(out)))
		}
		rows = append(rows, kv[0])
	}
	workers := c.workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	how := "found"
	if wrote > 0 {
		how = fmt.Sprintf("written in %.1f s", wrote.Seconds())
	}
	fmt.Fprintf(stdout, "streaming: Fashion-MNIST's %d training images as PNG class folders in %s (%s), read grey 28x28\n", n, c.dir, how)
	fmt.Fprintf(stdout, "model: Dense(128, relu), Dense(10, softmax), RMSprop 1e-3, batch 128, one epoch, seed %d; GOMAXPROCS %d, %d decoding workers, cache cap %d MiB\n",
		c.seed, runtime.GOMAXPROCS(0), workers, data.DefaultStreamCacheBytes>>20)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "case\timages\tload/open s\tload/open CPU s\tepoch s\tepoch CPU s\timages/s\tpeak RSS MB\tmedian RSS MB\tcache peak MB\tloss\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r["case"], r["images"], r["open_s"], r["open_cpu_s"], r["epoch_s"],
			r["cpu_s"], r["images_per_s"], r["peak_rss_mb"], r["median_rss_mb"], r["held_mb"], r["loss"])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "memory: ImageFolder, all pixels decoded up front (load/open s) and held; stream: StreamImageFolder, headers read up front, "+
		"pixels decoded batch by batch; -aug: data.Augment, -copies flipped and shifted variants of each image; pipeline: batches filled with the hints and no training. "+
		"CPU s: user and system CPU time (all cores), less disturbed by a loaded machine than wall time; "+
		"peak RSS: each case's process (VmHWM); median RSS: of VmRSS sampled every 250 ms during the epoch; cache peak: the stream's decoded bytes held at most")
	return nil
}

// fashionFolder makes sure dir holds Fashion-MNIST's training set as PNG
// class folders, writing it (into a sibling folder renamed into place, so
// that a folder that exists is complete) when it does not exist, and
// returns the number of images and how long writing took (0 if found).
func fashionFolder(dir string) (int, time.Duration, error) {
	if _, err := os.Stat(filepath.Join(dir, data.ImageFolderLabelsFile)); err == nil {
		s, err := data.StreamImageFolder(dir, data.ImageStreamOptions{ImageFolderOptions: fashionOptions(0)})
		if err != nil {
			return 0, 0, errors.Wrapf(err, "-stream-dir %s: remove it to have it written again", dir)
		}
		return s.Len(), 0, nil
	}
	trainSet, _, err := data.FashionMNIST("", data.Offline())
	if err != nil {
		return 0, 0, err
	}
	fmt.Fprintf(os.Stderr, "mnistbench: writing %d PNG files into %s...\n", trainSet.Len(), dir)
	start := time.Now()
	tmp := dir + ".partial"
	if err := os.RemoveAll(tmp); err != nil {
		return 0, 0, errors.Wrap(err, "-stream-dir")
	}
	if err := data.WriteImageFolder(tmp, trainSet, fashionFolderNames()); err != nil {
		return 0, 0, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return 0, 0, errors.Wrap(err, "-stream-dir")
	}
	return trainSet.Len(), time.Since(start), nil
}

// fashionFolderNames are Fashion-MNIST's class names usable as folder
// names ("T-shirt/top" becomes "T-shirt_top"), in label order.
func fashionFolderNames() []string {
	names := make([]string, len(data.FashionMNISTClasses))
	for i, c := range data.FashionMNISTClasses {
		names[i] = strings.ReplaceAll(c, "/", "_")
	}
	return names
}

// fashionOptions reads the folder grey, labels in Fashion-MNIST's order.
func fashionOptions(workers int) data.ImageFolderOptions {
	return data.ImageFolderOptions{Grayscale: true, ClassNames: fashionFolderNames(), Workers: workers}
}

// runStreamCase runs one case and prints its line.
func runStreamCase(c streamConfig, stdout io.Writer) error {
	opt := fashionOptions(c.workers)
	aug := data.AugmentOptions{Copies: c.copies, Seed: c.seed, FlipHorizontal: true, MaxShift: 2}
	start := time.Now()
	cpuOpen, _ := processCPU()
	var src data.Source
	var stream *data.ImageStream
	var err error
	switch c.caseArg {
	case "memory":
		src, err = data.ImageFolder(c.dir, opt)
	case "stream", "stream-aug", "pipeline", "pipeline-aug":
		stream, err = data.StreamImageFolder(c.dir, data.ImageStreamOptions{ImageFolderOptions: opt})
		src = stream
	default:
		return errors.Errorf("-stream-case %q: want one of %s", c.caseArg, strings.Join(streamCases, ", "))
	}
	if err != nil {
		return err
	}
	if strings.HasSuffix(c.caseArg, "-aug") {
		if src, err = data.Augment(stream, aug); err != nil {
			return err
		}
	}
	open := time.Since(start)
	loss := "-"
	start = time.Now()
	cpu0, cpuOK := processCPU()
	stopRSS := sampleRSS(250 * time.Millisecond)
	if strings.HasPrefix(c.caseArg, "pipeline") {
		pipeline(src, 128, c.seed)
		if err := data.SourceErr(src); err != nil {
			return err
		}
	} else {
		l, err := streamEpoch(src, c.seed)
		if err != nil {
			return err
		}
		loss = fmt.Sprintf("%.4f", l)
	}
	epoch := time.Since(start)
	steady := stopRSS()
	cpu, openCPU := "-", "-"
	if cpu1, ok := processCPU(); ok && cpuOK {
		cpu = fmt.Sprintf("%.2f", (cpu1 - cpu0).Seconds())
		openCPU = fmt.Sprintf("%.2f", (cpu0 - cpuOpen).Seconds())
	}
	held := "-"
	if stream != nil {
		held = fmt.Sprintf("%.1f", float64(stream.Stats().PeakHeldBytes)/1e6)
	}
	fmt.Fprintf(stdout, "stream case=%s images=%d open_s=%.2f epoch_s=%.2f images_per_s=%.0f open_cpu_s=%s cpu_s=%s peak_rss_mb=%.0f median_rss_mb=%s held_mb=%s loss=%s\n",
		c.caseArg, src.Len(), open.Seconds(), epoch.Seconds(), float64(src.Len())/epoch.Seconds(), openCPU, cpu, float64(report.PeakRSS())/1e6, steady, held, loss)
	return nil
}

// streamEpoch trains the small dense network one epoch on src and
// returns its loss.
func streamEpoch(src data.Source, seed int64) (float64, error) {
	m := nn.Sequential("stream", nn.Dense(128, nn.ReLU), nn.Dense(10, nn.Softmax))
	if err := m.Build(src.Features(), nn.BuildOptions{Seed: seed}); err != nil {
		return 0, err
	}
	tr, err := train.Compile(m, train.RMSprop(1e-3), train.SparseCategoricalCrossentropy())
	if err != nil {
		return 0, err
	}
	h, err := tr.Fit(src, train.FitOptions{Epochs: 1, BatchSize: 128, Seed: seed})
	if err != nil {
		return 0, err
	}
	return h.Logs["loss"][0], nil
}

// pipeline reads src batch by batch in a seeded shuffled order, hinting
// the next batch before filling the current one as Fit does, with nothing
// else to do meanwhile.
func pipeline(src data.Source, batch int, seed int64) {
	order := randPerm(src.Len(), seed)
	f := src.Features()
	x, y := make([]float32, batch*f), make([]float32, batch)
	for lo := 0; lo < len(order); lo += batch {
		hi := min(lo+batch, len(order))
		if hi < len(order) {
			data.Prefetch(src, order[hi:min(hi+batch, len(order))])
		}
		src.Fill(order[lo:hi], x[:(hi-lo)*f], y[:hi-lo])
	}
}

func randPerm(n int, seed int64) []int { return rand.New(rand.NewSource(seed)).Perm(n) }

// sampleRSS samples the process's resident memory (VmRSS) every d until
// the returned function is called, which returns the median sample in MB,
// or "-" where there is none.
func sampleRSS(d time.Duration) (stop func() string) {
	done := make(chan struct{})
	res := make(chan string)
	go func() {
		var mb []float64
		tick := time.NewTicker(d)
		defer tick.Stop()
		for {
			if v, ok := currentRSS(); ok {
				mb = append(mb, float64(v)/1e6)
			}
			select {
			case <-done:
				if len(mb) == 0 {
					res <- "-"
				} else {
					res <- fmt.Sprintf("%.0f", median(mb))
				}
				return
			case <-tick.C:
			}
		}
	}()
	return func() string { close(done); return <-res }
}

// currentRSS returns VmRSS from /proc/self/status in bytes.
func currentRSS() (int64, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmRSS:" && f[2] == "kB" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024, err == nil
		}
	}
	return 0, false
}
