// Command notebooks regenerates gradgraph's Markdown notebooks: it builds
// and runs the Go programs under notebooks-md/code, and writes
// notebooks-md/NN-name.md from notebooks-md/src/NN-name.md with every
// directive replaced by the program's source or its output, and the figures
// the programs drew under notebooks-md/img/NN-name/.
//
//	go run ./cmd/notebooks          regenerate (make notebooks)
//	go run ./cmd/notebooks -check   regenerate into a temporary folder and
//	                                fail if anything differs from the files
//	                                in notebooks-md, or if a link is broken
//
// Directives are HTML comments alone on a line:
//
//	<!-- code: code/01-iris/iris-train#model -->
//	<!-- output: code/01-iris/iris-train#fit -->
//	<!-- requires: mnist -->
//
// code shows a program's main.go: the lines between "// notebook:begin
// [name]" and "// notebook:end" (with #name, only the regions so named),
// without the lines ending in "// notebook:hide". output shows what the
// program printed on stdout, Keras timings masked; with #name, only the lines
// after its line "notebook:section name" and before the next such line.
// Each program runs once, from the repository root, with -img set to its
// notebook's image folder.
//
// A notebook that requires MNIST needs the IDX files in $GRADGRAPH_DATA_MNIST
// or ../shared/data/mnist beside the repository; -check leaves such
// notebooks out, and says so, when they are absent.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	check := flag.Bool("check", false, "regenerate into a temporary folder and compare with notebooks-md instead of writing")
	root := flag.String("root", "", "repository root (default: the folder holding go.mod, looked for upwards)")
	flag.Parse()
	if err := run(*root, *check); err != nil {
		fmt.Fprintln(os.Stderr, "notebooks:", err)
		os.Exit(1)
	}
}

func run(root string, check bool) error {
	if root == "" {
		var err error
		if root, err = findRoot(); err != nil {
			return err
		}
	}
	if check {
		skipped, diffs, err := Check(root)
		if err != nil {
			return err
		}
		for _, s := range skipped {
			fmt.Println("not checked:", s)
		}
		if len(diffs) > 0 {
			for _, d := range diffs {
				fmt.Println(d)
			}
			return fmt.Errorf("%d notebook files differ from a fresh regeneration; run make notebooks", len(diffs))
		}
		fmt.Println("notebooks are up to date")
		return nil
	}
	files, err := Generate(root, false)
	if err != nil {
		return err
	}
	return write(root, files)
}

// findRoot returns the closest folder upwards holding go.mod.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the current folder; use -root")
		}
		dir = parent
	}
}
