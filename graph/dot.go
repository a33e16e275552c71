package graph

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"unicode"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// WriteDOT writes the machine's expression graph, forward and backward
// passes, in Graphviz's DOT language: one box per node with its operation
// (or name, for params and inputs), shape and element type, an edge from
// each input of an operation to it, and colours for the kinds of node:
// params (trainable or not), inputs and feeds (data, targets, dropout
// masks), the loss, and the gradients the machine hands to the optimiser.
// Render it with RenderDOT, or `dot -Tsvg graph.dot`.
func (m *Machine) WriteDOT(w io.Writer) error {
	b := m.b
	kind := map[*G.Node]string{}
	for p, n := range b.paramNodes {
		if p.Trainable {
			kind[n] = "param"
		} else {
			kind[n] = "param (not trainable)"
		}
	}
	for _, in := range b.inputs {
		kind[in.Node] = "input"
	}
	for _, f := range b.feeds {
		kind[f.in.Node] = "feed"
	}
	for i, g := range m.gradNodes {
		kind[g] = "gradient of " + m.wrt[i].Name
	}
	if m.lossNode != nil {
		kind[m.lossNode] = "loss"
	}
	fill := func(k string) string {
		switch {
		case k == "param":
			return "#9ecae1"
		case k == "param (not trainable)":
			return "#deebf7"
		case k == "input", k == "feed":
			return "#c7e9c0"
		case k == "loss":
			return "#fdae6b"
		case strings.HasPrefix(k, "gradient"):
			return "#fcbba1"
		}
		return "white"
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "digraph gradgraph {")
	fmt.Fprintln(bw, `  rankdir=TB; node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];`)
	// Gorgonia's Read statements (the machine's copies of values out of the
	// tape) are nodes without a type; they are plumbing, not the model.
	var nodes []*G.Node
	shown := map[int64]bool{}
	for _, n := range b.G.AllNodes() {
		if n.Type() != nil {
			nodes = append(nodes, n)
			shown[n.ID()] = true
		}
	}
	for _, n := range nodes {
		label := n.Name() // params and inputs by name
		if k := kind[n]; n.Op() != nil && !strings.HasPrefix(k, "param") && k != "input" && k != "feed" {
			label = n.Op().String() // operations by what they compute
		}
		lines := []string{label, shapeString(n) + " " + dtypeName(n)}
		if k := kind[n]; k != "" {
			lines = append(lines, k)
		}
		fmt.Fprintf(bw, "  n%d [label=%s, fillcolor=%q];\n", n.ID(), dotQuote(strings.Join(lines, "\n")), fill(kind[n]))
	}
	for _, n := range nodes {
		it := b.G.From(n.ID())
		for it.Next() {
			if shown[it.Node().ID()] {
				fmt.Fprintf(bw, "  n%d -> n%d;\n", it.Node().ID(), n.ID())
			}
		}
	}
	fmt.Fprintln(bw, "}")
	return bw.Flush()
}

// shapeString prints a node's shape as (2, 3), or "scalar".
func shapeString(n *G.Node) string {
	s := n.Shape()
	if s.IsScalar() {
		return "scalar"
	}
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// dtypeName is the element type of n's values ("float32"), "?" where
// Gorgonia has not inferred one (n.Dtype panics there).
func dtypeName(n *G.Node) string {
	switch t := n.Type().(type) {
	case G.TensorType:
		return t.Of.String()
	case tensor.Dtype:
		return t.String()
	}
	return "?"
}

// dotQuote quotes s as a DOT string, with \n for line breaks.
func dotQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	s = strings.Map(func(c rune) rune {
		if c != '\n' && unicode.IsControl(c) {
			return ' ' // DOT has no escape for them; names are user data
		}
		return c
	}, s)
	return `"` + r.Replace(s) + `"`
}

// ErrNoDot is returned by RenderDOT when Graphviz's dot program is not
// installed.
var ErrNoDot = errors.New("graphviz's dot program is not installed (apt-get install graphviz)")

// RenderDOT turns DOT source into format ("svg", "png") with Graphviz's
// dot program, and returns ErrNoDot when it is not on the PATH.
func RenderDOT(src []byte, format string) ([]byte, error) {
	path, err := exec.LookPath("dot")
	if err != nil {
		return nil, ErrNoDot
	}
	var out, stderr bytes.Buffer
	cmd := exec.Command(path, "-T"+format)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(src), &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, errors.Wrapf(err, "dot -T%s: %s", format, strings.TrimSpace(stderr.String()))
	}
	return out.Bytes(), nil
}
