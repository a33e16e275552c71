package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseSource(t *testing.T) {
	src := "# T\n<!-- code: code/01-x/prog#model -->\ntext\n  <!-- output: code/01-x/prog -->\n<!-- requires: mnist -->\n"
	lines, dirs, err := parseSource("t.md", src)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 6 || len(dirs) != 6 {
		t.Fatalf("got %d lines, %d dirs", len(lines), len(dirs))
	}
	want := []*directive{nil,
		{kind: "code", program: "code/01-x/prog", part: "model", line: 2}, nil,
		{kind: "output", program: "code/01-x/prog", line: 4},
		{kind: "requires", arg: "mnist", line: 5}, nil}
	if !reflect.DeepEqual(dirs, want) {
		for i := range dirs {
			t.Errorf("%d: got %+v, want %+v", i, dirs[i], want[i])
		}
	}
	for _, bad := range []string{
		"<!-- code: prog -->",
		"<!-- code: code/01-x/../y -->",
		"<!-- code: code/01-x/y/z -->",
		"<!-- picture: code/01-x/y -->",
		"<!-- requires: cifar -->",
		"<!-- code:code/01-x/y extra -->",
	} {
		if _, _, err := parseSource("t.md", bad); err == nil {
			t.Errorf("%q: no error", bad)
		} else if !strings.Contains(err.Error(), "t.md:1:") {
			t.Errorf("%q: error %q does not say where", bad, err)
		}
	}
}

func TestExtractCode(t *testing.T) {
	src := `package main

func main() {
	setup()
	// notebook:begin a
	x := 1
	if x > 0 {
		y()
	}
	// notebook:end
	fmt.Println("notebook:section b") // notebook:hide
	// notebook:begin b
	z()
	// notebook:end
}
`
	for _, c := range []struct{ name, want string }{
		{"a", "x := 1\nif x > 0 {\n\ty()\n}"},
		{"b", "z()"},
		{"", "x := 1\nif x > 0 {\n\ty()\n}\n\nz()"},
	} {
		got, err := extractCode("f.go", src, c.name)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("region %q:\ngot  %q\nwant %q", c.name, got, c.want)
		}
	}
	if _, err := extractCode("f.go", src, "nope"); err == nil {
		t.Error("missing region: no error")
	}
	whole, err := extractCode("f.go", "package main\n\nfunc main() {} // notebook:hide\nvar x int\n", "")
	if err != nil || whole != "package main\n\nvar x int" {
		t.Errorf("no markers: got %q, %v", whole, err)
	}
	for _, bad := range []string{
		"// notebook:begin\n// notebook:begin\n// notebook:end\n",
		"// notebook:end\n",
		"// notebook:begin\nx\n",
	} {
		if _, err := extractCode("f.go", bad, ""); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestMaskOutput(t *testing.T) {
	in := "Epoch 1/2\n79/79 ━━━━━━━━━━━━━━━━━━━━ 0s 527us/step - loss: 0.5\n" +
		"12/12 ━━━━━━━━━━━━━━━━━━━━ 13s 1s/step - loss: 0.4   \n" +
		"3/3 ━━━━━━━━━━━━━━━━━━━━ 1s 9ms/step - loss: 0.3\n\n\n"
	want := "Epoch 1/2\n79/79 ━━━━━━━━━━━━━━━━━━━━ Xs Xms/step - loss: 0.5\n" +
		"12/12 ━━━━━━━━━━━━━━━━━━━━ Xs Xms/step - loss: 0.4\n" +
		"3/3 ━━━━━━━━━━━━━━━━━━━━ Xs Xms/step - loss: 0.3"
	if got := maskOutput(in); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// Numbers elsewhere are left alone.
	if got := maskOutput("took 5s 3ms/step"); got != "took 5s 3ms/step" {
		t.Errorf("masked a line that is not a progress line: %q", got)
	}
}

func TestSection(t *testing.T) {
	out := "head\nnotebook:section a\n1\n2\nnotebook:section b\n3\nnotebook:section a\n4\n"
	for _, c := range []struct{ name, want string }{
		{"a", "1\n2\n4\n"},
		{"b", "3"},
		{"", "head\n1\n2\n3\n4\n"},
	} {
		got, err := section("p", out, c.name)
		if err != nil || got != c.want {
			t.Errorf("section %q: got %q, %v; want %q", c.name, got, err, c.want)
		}
	}
	if _, err := section("p", out, "c"); err == nil {
		t.Error("missing section: no error")
	}
}

func TestLinks(t *testing.T) {
	md := "![a](img/x.png) [b](02-y.md#part) [web](https://example.com) [anchor](#top) <img src=\"img/z.gif\">"
	got := links(md)
	want := []string{"img/x.png", "02-y.md", "img/z.gif"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	files := Files{
		"notebooks-md/a.md":        []byte("![x](img/a/x.png) ![y](img/a/y.png) [d](img)"),
		"notebooks-md/img/a/x.png": nil,
		"notebooks-md/img/a/w.png": nil,
	}
	err := checkLinks(t.TempDir(), files)
	if err == nil || !strings.Contains(err.Error(), "img/a/y.png was not drawn") || !strings.Contains(err.Error(), "w.png: drawn but linked from no notebook") {
		t.Errorf("checkLinks: %v", err)
	}
}

// TestNotebooksUpToDate regenerates every notebook and compares it with the
// committed files, as go run ./cmd/notebooks -check does.
func TestNotebooksUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("regenerates the notebooks (about 20 s); skipped with -short")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, dir, "src")); err != nil {
		t.Skip("no notebooks-md/src")
	}
	skipped, diffs, err := Check(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Error(d)
	}
	if len(diffs) > 0 {
		t.Log("the notebooks differ from a fresh regeneration: run make notebooks (go run ./cmd/notebooks) and commit the result")
	}
	for _, s := range skipped {
		t.Run(strings.Fields(s)[0], func(t *testing.T) { t.Skip("not checked: " + s) })
	}
}

func TestSourceNote(t *testing.T) {
	src := "package main\n\nimport (\n\t\"fmt\"\n\tG \"gorgonia.org/gorgonia\"\n)\n\nfunc main() { run() }\n\nfunc helper() int { return 1 }\n\nfunc shown() {}\n\nfunc run() error {\n\tfmt.Println(helper(), G.Float32)\n\treturn nil\n}\n"
	got, err := sourceNote("code/01-x/prog", src, "func shown() {}\n\nfmt.Println(helper(), G.Float32)")
	if err != nil {
		t.Fatal(err)
	}
	want := "<sub>From [code/01-x/prog/main.go](code/01-x/prog/main.go), which runs as is. Imports: `fmt`, `G gorgonia.org/gorgonia`. Called here, defined in the file: `helper`. Elided: the package clause, `main` (flags, error exit), the rest of `run`.</sub>"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if _, err := sourceNote("code/01-x/prog", "package main\nfunc (", ""); err == nil {
		t.Error("unparsable source: no error")
	}
}

// TestRenderGraphs checks when a graph's picture is reused, rendered, kept
// with a warning, or missing.
func TestRenderGraphs(t *testing.T) {
	root := t.TempDir()
	imgDir := filepath.Join(root, dir, "img", "01-x")
	if err := os.MkdirAll(imgDir, 0o755); err != nil {
		t.Fatal(err)
	}
	const src = "digraph g { a -> b }\n"
	if err := os.WriteFile(filepath.Join(imgDir, "g.dot"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(imgDir, "g.svg"), []byte("OLD"), 0o644); err != nil {
		t.Fatal(err)
	}
	const name = dir + "/img/01-x/g.dot"
	svgName := dir + "/img/01-x/g.svg"

	// Unchanged source: the committed picture, even without Graphviz.
	t.Run("unchanged", func(t *testing.T) {
		t.Setenv("PATH", "")
		files := Files{name: []byte(src)}
		var w strings.Builder
		if err := renderGraphs(root, files, &w); err != nil {
			t.Fatal(err)
		}
		if string(files[svgName]) != "OLD" || w.Len() != 0 {
			t.Errorf("got %q, warning %q; want the committed picture, no warning", files[svgName], w.String())
		}
	})
	// Changed source without Graphviz: old picture and a warning.
	t.Run("changed, no dot", func(t *testing.T) {
		t.Setenv("PATH", "")
		files := Files{name: []byte("digraph g { a -> c }\n")}
		var w strings.Builder
		if err := renderGraphs(root, files, &w); err != nil {
			t.Fatal(err)
		}
		if string(files[svgName]) != "OLD" || !strings.Contains(w.String(), "g.svg is kept") {
			t.Errorf("got %q, warning %q", files[svgName], w.String())
		}
	})
	// A new graph without Graphviz: nothing to show, an error.
	t.Run("new, no dot", func(t *testing.T) {
		t.Setenv("PATH", "")
		files := Files{dir + "/img/01-x/new.dot": []byte(src)}
		if err := renderGraphs(root, files, &strings.Builder{}); err == nil {
			t.Error("no error")
		}
	})
	// Changed source with Graphviz: rendered afresh.
	t.Run("changed, dot", func(t *testing.T) {
		if _, err := exec.LookPath("dot"); err != nil {
			t.Skip("Graphviz's dot is not installed")
		}
		files := Files{name: []byte("digraph g { a -> c }\n")}
		if err := renderGraphs(root, files, &strings.Builder{}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(files[svgName]), "<svg") {
			t.Errorf("not an SVG: %.100q", files[svgName])
		}
	})
}

// The live pages' screenshots under notebooks-md/img/screenshots are not
// the generator's: neither listed as generated (so never stale) nor
// removed by write.
func TestScreenshotsAreLeftAlone(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"notebooks-md/img/01-x/a.png", "notebooks-md/img/screenshots/page.png", "notebooks-md/01-x.md"} {
		p := filepath.Join(root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := committed(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["notebooks-md/img/01-x/a.png"] == nil || got["notebooks-md/01-x.md"] == nil {
		t.Errorf("committed listed %v, want the notebook and its figure only", sortedKeys(got))
	}
	if err := write(root, Files{"notebooks-md/01-x.md": []byte("new")}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "notebooks-md/img/screenshots/page.png")); err != nil {
		t.Errorf("write removed a screenshot: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "notebooks-md/img/01-x/a.png")); !os.IsNotExist(err) {
		t.Errorf("write kept a stale figure (stat error %v)", err)
	}
}
