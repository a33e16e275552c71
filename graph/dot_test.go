package graph

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
)

// TestWriteDOT draws a dense layer with a log-softmax and cross-entropy on
// top, fused and not, and checks the DOT text: every node declared once,
// every edge between declared nodes, the params, input, loss and one
// gradient per param marked, shapes printed.
func TestWriteDOT(t *testing.T) {
	for _, fused := range []bool{true, false} {
		m, b := denseXentMachine(t, "dense/kernel", fused)
		var buf bytes.Buffer
		if err := m.WriteDOT(&buf); err != nil {
			t.Fatal(err)
		}
		dot := buf.String()
		decl := regexp.MustCompile(`(?m)^  n(\d+) \[label=`).FindAllStringSubmatch(dot, -1)
		ids := map[string]bool{}
		for _, d := range decl {
			if ids[d[1]] {
				t.Errorf("fused=%v: node n%s declared twice", fused, d[1])
			}
			ids[d[1]] = true
		}
		typed := 0
		for _, n := range b.G.AllNodes() {
			if n.Type() != nil { // Read statements have none and are left out
				typed++
			}
		}
		if len(ids) != typed || typed < 10 {
			t.Errorf("fused=%v: %d nodes declared, the graph has %d with a type", fused, len(ids), typed)
		}
		edges := regexp.MustCompile(`(?m)^  n(\d+) -> n(\d+);`).FindAllStringSubmatch(dot, -1)
		if len(edges) == 0 {
			t.Errorf("fused=%v: no edges", fused)
		}
		for _, e := range edges {
			if !ids[e[1]] || !ids[e[2]] {
				t.Errorf("fused=%v: edge %s -> %s to an undeclared node", fused, e[1], e[2])
			}
		}
		for _, want := range []string{`dense/kernel\n(3, 2) float32\nparam`, `x\n(4, 3) float32\ninput`, `\nloss"`,
			"gradient of dense/kernel", "gradient of dense/bias", "digraph gradgraph {"} {
			if !strings.Contains(dot, want) {
				t.Errorf("fused=%v: DOT lacks %q", fused, want)
			}
		}
		if strings.Count(dot, "gradient of") != 2 {
			t.Errorf("fused=%v: %d gradients marked, want 2", fused, strings.Count(dot, "gradient of"))
		}
		svg, err := RenderDOT(buf.Bytes(), "svg")
		if errors.Is(err, ErrNoDot) {
			t.Logf("rendering skipped: %v", err)
			continue
		}
		if err != nil || !bytes.Contains(svg, []byte("<svg")) {
			t.Errorf("fused=%v: rendering: %v", fused, err)
		}
	}
}

// TestDOTQuoteHostileNames: a node name is user data (a layer's name): a
// quote, a backslash, a newline, a closing brace, HTML and control
// characters must stay inside the quoted label (issue 23).
func TestDOTQuoteHostileNames(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`plain`, `"plain"`},
		{`a"b`, `"a\"b"`},
		{`back\slash`, `"back\\slash"`},
		{"two\nlines", `"two\nlines"`},
		{"x\"];\n}\ndigraph evil {", `"x\"];\n}\ndigraph evil {"`},
		{"<script>alert(1)</script>", `"<script>alert(1)</script>"`},
		{"esc\x1b[31mbel\x07nul\x00", `"esc [31mbel nul "`},
	} {
		got := dotQuote(c.in)
		if got != c.want {
			t.Errorf("dotQuote(%q) = %s, want %s", c.in, got, c.want)
		}
		// The label is one DOT string: no unescaped quote inside, no raw
		// line break.
		inner := got[1 : len(got)-1]
		if strings.Contains(strings.ReplaceAll(inner, `\\`, ""), `"`) && strings.Count(strings.ReplaceAll(inner, `\\`, ""), `\"`) != strings.Count(strings.ReplaceAll(inner, `\\`, ""), `"`) {
			t.Errorf("dotQuote(%q) = %s has an unescaped quote", c.in, got)
		}
		if strings.ContainsAny(inner, "\n\r") {
			t.Errorf("dotQuote(%q) = %s has a raw line break", c.in, got)
		}
	}
}

// TestDOTAndSVGHostileParamName: a param named after a hostile layer name
// (a quote, a line break, a closing brace, <script>, ESC) gives DOT that
// Graphviz accepts and an SVG that is well-formed XML with no script
// element, the name inside a text node (issue 23). Skipped without dot.
func TestDOTAndSVGHostileParamName(t *testing.T) {
	evil := "x\"];\n}\n<script>alert(1)</script>\x1b[31m/kernel"
	m, _ := denseXentMachine(t, evil, true)
	var buf bytes.Buffer
	if err := m.WriteDOT(&buf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "\x1b") || strings.Count(buf.String(), "digraph") != 1 {
		t.Fatalf("DOT holds ESC or a second graph:\n%s", buf.String())
	}
	svg, err := RenderDOT(buf.Bytes(), "svg")
	if errors.Is(err, ErrNoDot) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatalf("dot refused the graph: %v", err)
	}
	dec := xml.NewDecoder(bytes.NewReader(svg))
	dec.Strict = true
	sawName := false
	for {
		tok, err := dec.Token()
		if err != nil {
			if err != io.EOF {
				t.Fatalf("graph.svg is not well-formed XML: %v", err)
			}
			break
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if strings.EqualFold(tok.Name.Local, "script") {
				t.Fatal("graph.svg has a script element")
			}
		case xml.CharData:
			sawName = sawName || strings.Contains(string(tok), "<script>alert(1)</script>")
		}
	}
	if !sawName {
		t.Error("the param's name is not in the SVG's text")
	}
}

// denseXentMachine compiles a dense layer (its kernel named kernel) with a
// log-softmax and cross-entropy on top, on a batch of 4: 3 inputs, 2
// classes.
func denseXentMachine(t *testing.T, kernel string, fused bool) (*Machine, *Builder) {
	t.Helper()
	b, _ := NewBuilder(Float32, 4, true)
	b.Fused = fused
	w, _ := NewParam(kernel, Float32, true, 3, 2)
	bias, _ := NewParam("dense/bias", Float32, true, 1, 2)
	x := b.Input("x", 4, 3)
	y := b.Input("y", 4, 2)
	z := G.Must(b.Dense(x.Node, G.Must(b.Param(w)), G.Must(b.Param(bias)), true))
	loss := G.Must(b.CrossEntropy(G.Must(b.LogSoftmax(z)), y.Node))
	m, err := b.Compile(loss, []*Param{w, bias})
	if err != nil {
		t.Fatal(err)
	}
	return m, b
}
