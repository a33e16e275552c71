package main

import (
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/cmd/internal/cli"
	"github.com/gradgraph/gradgraph/data"
)

// torchPython is the interpreter the PyTorch baselines run under:
// $GRADGRAPH_TORCH_PYTHON when set (a venv's or conda's python with pip's
// torch, as on machines where torch is not Debian's), else /usr/bin/python3,
// for which Debian's python3-torch installs torch.
func torchPython() string {
	if p := os.Getenv("GRADGRAPH_TORCH_PYTHON"); p != "" {
		return p
	}
	return "/usr/bin/python3"
}

// noTorch says why the PyTorch baseline cannot run under py.
func noTorch(py string) string {
	return "no torch for " + py + ": apt-get install python3-torch, or set GRADGRAPH_TORCH_PYTHON to a python that has it"
}

// torchMallocEnv keeps glibc's malloc from returning freed memory to the
// OS in the PyTorch process: no mmap for blocks below 4 GiB (glibc 2.36
// accepts it from the environment) and no trimming of the heap below 16 GiB
// free. Without it each step's tensors are fresh mmaps and page faults,
// which made PyTorch's epochs up to 2× slower on the development machine.
var torchMallocEnv = []string{"MALLOC_MMAP_THRESHOLD_=4294967296", "MALLOC_TRIM_THRESHOLD_=17179869184"}

// torchResult is the PyTorch side of one matrix row.
type torchResult struct {
	oneThread, allThreads float64 // median epoch seconds
	rssMB                 float64
	version, blas         string // torch's version and the BLAS library it loaded
}

// referenceBLAS says whether path is netlib's reference BLAS (Debian's
// libblas3, the only libblas.so.3 until OpenBLAS or BLIS is installed), on
// which PyTorch's products are tens of times slower than its best.
func referenceBLAS(path string) bool { return strings.HasSuffix(path, "/blas/libblas.so.3") }

// torchAvailable reports why the PyTorch columns are skipped, or "" when
// torch imports.
func torchAvailable(script string) string {
	if py := torchPython(); exec.Command(py, "-c", "import torch").Run() != nil {
		return noTorch(py)
	}
	if _, err := os.Stat(script); err != nil {
		return "no script " + script + ": run from the repository root"
	}
	return ""
}

// runTorchShape runs the PyTorch baseline of one shape (one process, first
// one thread then allThreads) and parses its lines. irisCSV is the Iris
// train split written by writeIrisCSV, used for the Iris shape.
func runTorchShape(script string, s shape, dir string, samples, epochs, allThreads int, seed int64, irisCSV string) (torchResult, error) {
	args := []string{script, "--shape", s.name, "--epochs", strconv.Itoa(epochs),
		"--seed", strconv.FormatInt(seed, 10), "--all-threads", strconv.Itoa(allThreads)}
	if s.iris {
		args = append(args, "--iris", irisCSV)
	} else {
		switch {
		case s.convnet:
			args = append(args, "--convnet")
		case s.resnet:
			args = append(args, "--resnet")
		default:
			args = append(args, "--hidden", cpuListString(s.hidden))
		}
		args = append(args, "--samples", strconv.Itoa(samples))
		if dir != "" {
			args = append(args, "--data", dir)
		}
		if s.standardised {
			args = append(args, "--standardise")
		}
	}
	cmd := exec.Command(torchPython(), args...)
	cmd.Env = append(os.Environ(), torchMallocEnv...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return torchResult{}, errors.Errorf("torch run failed: %v: %s", err, cli.OneLine(string(out)))
	}
	return parseTorchLines(string(out), allThreads)
}

// parseTorchLines reads torch_matrix.py's output: a median per thread
// setting and the peak RSS. With allThreads 1 the one-thread run is also the
// all-threads one.
func parseTorchLines(out string, allThreads int) (torchResult, error) {
	var r torchResult
	seen1, seenAll, seenRSS := false, false, false
	for _, kv := range kvLines(out, "torch") {
		if _, ok := kv["peak_rss_mb"]; ok {
			rss, err := kvFloat(kv, "peak_rss_mb")
			if err != nil {
				return r, err
			}
			r.rssMB, r.version, r.blas, seenRSS = rss, kv["version"], kv["blas"], true
			continue
		}
		threads, err := kvInt(kv, "threads")
		if err != nil {
			return r, err
		}
		med, err := kvFloat(kv, "median_epoch_s")
		if err != nil {
			return r, err
		}
		if threads == 1 {
			r.oneThread, seen1 = med, true
		}
		if threads == allThreads {
			r.allThreads, seenAll = med, true
		}
	}
	if !seen1 || !seenAll || !seenRSS {
		return r, errors.Errorf("torch output lacks a median for 1 or %d threads or the peak RSS: %s", allThreads, cli.OneLine(out))
	}
	return r, nil
}

// writeIrisCSV writes the Iris train split the gradgraph side trains on
// (standardised features, then the class index) to a file in dir, so that
// PyTorch trains on the very same rows.
func writeIrisCSV(dir string) (string, error) {
	d, err := irisTrain()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "iris-train.csv")
	f, err := os.Create(path)
	if err != nil {
		return "", errors.Wrap(err, "iris CSV for PyTorch")
	}
	defer f.Close()
	w := csv.NewWriter(f)
	for i := 0; i < d.Len(); i++ {
		rec := irisRecord(d, i)
		if err := w.Write(rec); err != nil {
			return "", errors.Wrap(err, "iris CSV for PyTorch")
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return "", errors.Wrap(err, "iris CSV for PyTorch")
	}
	return path, errors.Wrap(f.Close(), "iris CSV for PyTorch")
}

// irisRecord is row i of d as CSV fields: the features, exactly as float32
// (shortest round-trip form), and the class index.
func irisRecord(d *data.Dataset, i int) []string {
	var rec []string
	for _, v := range d.Row(i) {
		rec = append(rec, strconv.FormatFloat(float64(v), 'g', -1, 32))
	}
	return append(rec, strconv.Itoa(d.Label(i)))
}
