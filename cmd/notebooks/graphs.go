package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gradgraph/gradgraph/graph"
)

// renderGraphs adds, for every Graphviz source NAME.dot a program wrote
// under img, the picture NAME.svg. The committed picture is kept as long as
// its .dot is unchanged, so that the notebooks do not depend on which
// Graphviz version, if any, regenerates them; a changed .dot is rendered
// with graph.RenderDOT. Without Graphviz's dot a changed graph keeps its old
// picture, with a warning on w (the .dot itself is up to date, and Check
// still sees the difference); a graph that never had a picture is an error.
func renderGraphs(root string, files Files, w io.Writer) error {
	var dots []string
	for name := range files {
		if strings.HasPrefix(name, dir+"/img/") && strings.HasSuffix(name, ".dot") {
			dots = append(dots, name)
		}
	}
	sort.Strings(dots)
	for _, name := range dots {
		svgName := strings.TrimSuffix(name, ".dot") + ".svg"
		oldDot, errDot := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
		oldSVG, errSVG := os.ReadFile(filepath.Join(root, filepath.FromSlash(svgName)))
		if errDot == nil && errSVG == nil && bytes.Equal(oldDot, files[name]) {
			files[svgName] = oldSVG
			continue
		}
		svg, err := graph.RenderDOT(files[name], "svg")
		switch {
		case errors.Is(err, graph.ErrNoDot) && errSVG == nil:
			fmt.Fprintf(w, "warning: %s changed but %s is kept as it was: %v\n", name, svgName, err)
			files[svgName] = oldSVG
		case err != nil:
			return fmt.Errorf("rendering %s: %w", name, err)
		default:
			files[svgName] = svg
		}
	}
	return nil
}
