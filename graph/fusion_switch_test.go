package graph

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestOneFusionSwitch scans the module's sources: Builder.Fused is read in
// one place only, fusedOr (fusion.go), so that the fused-or-twin choice is
// made once for every op. A new branch on it anywhere else (if b.Fused
// {...} in a layer) fails here, with its file and line: build the op in
// graph, with its twin beside it, and choose with fusedOr. Assigning the
// field (a model giving its builder its choice, a test forcing one) is
// allowed; so is reading a model's setting (Model.Fused) to report it.
func TestOneFusionSwitch(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	scanned := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		if rel == filepath.Join("graph", "fusion.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		scanned++
		for _, pos := range fusedReads(f) {
			t.Errorf("%s:%d: reads Builder.Fused: build the op in graph and choose with fusedOr (graph/fusion.go)", rel, fset.Position(pos).Line)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if scanned < 50 {
		t.Fatalf("scanned %d files under %s; the module has more", scanned, root)
	}
}

// fusedReads returns where f reads a field named Fused: a selector x.Fused
// that is neither assigned to nor called (Model.Fused()).
func fusedReads(f *ast.File) []token.Pos {
	skip := map[ast.Expr]bool{}
	var reads []token.Pos
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for _, l := range n.Lhs {
				skip[l] = true
			}
		case *ast.CallExpr:
			skip[n.Fun] = true
		case *ast.SelectorExpr:
			if n.Sel.Name == "Fused" && !skip[n] {
				reads = append(reads, n.Pos())
			}
		}
		return true
	})
	return reads
}

// TestFusedReadsFindsBranches: the scan finds a branch on the field, in a
// condition or as a value, and leaves assignments and method calls alone.
func TestFusedReadsFindsBranches(t *testing.T) {
	for _, c := range []struct {
		src  string
		want int
	}{
		{"if b.Fused { x() }", 1},
		{"fused := b.Fused; _ = fused", 1},
		{"switch { case !b.Fused: }", 1},
		{"b.Fused = m.fused", 0},
		{"b.Fused = true", 0},
		{"report(m.Fused())", 0},
		{"if m.fused { x() }", 0},
	} {
		f, err := parser.ParseFile(token.NewFileSet(), "x.go", "package p\nfunc f() {\n"+c.src+"\n}\n", 0)
		if err != nil {
			t.Fatalf("%q: %v", c.src, err)
		}
		if got := len(fusedReads(f)); got != c.want {
			t.Errorf("%q: %d reads found, want %d", c.src, got, c.want)
		}
	}
}
