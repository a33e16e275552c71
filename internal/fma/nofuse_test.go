package fma

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoFusableExpressions type-checks every package of the module and
// fails on each floating-point a·b ± c that the compiler may fuse into one
// FMA: arm64 fuses a + b·c, a − b·c and b·c − a, GOAMD64=v3 fuses
// a + b·c, GOAMD64=v1 none, so such an expression gives other bits on
// other machines. Write float32(b*c) + a (an explicit conversion rounds,
// the Go specification says, so nothing is fused) or fma.F32(b, c, a)
// where the fused value is the one wanted.
func TestNoFusableExpressions(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks the whole module")
	}
	root := moduleRoot(t)
	pkgs := listPackages(t, root)
	exports := map[string]string{}
	for _, p := range pkgs {
		exports[p.ImportPath] = p.Export
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		f, ok := exports[path]
		if !ok || f == "" {
			return nil, fmt.Errorf("no export data for %q", path)
		}
		return os.Open(f)
	})
	checked := 0
	for _, p := range pkgs {
		if p.Module == nil || p.Module.Path != "github.com/gradgraph/gradgraph" {
			continue
		}
		var files []*ast.File
		for _, name := range p.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
		info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}}
		conf := types.Config{Importer: imp.(types.ImporterFrom), Error: func(error) {}}
		if _, err := conf.Check(p.ImportPath, fset, files, info); err != nil {
			t.Fatalf("%s: %v", p.ImportPath, err)
		}
		for _, f := range files {
			for _, pos := range fusable(f, info) {
				p := fset.Position(pos)
				rel, _ := filepath.Rel(root, p.Filename)
				t.Errorf("%s:%d: a floating-point product added or subtracted unrounded: convert it (T(a*b)) or use fma.F32", rel, p.Line)
			}
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("checked only %d packages of the module", checked)
	}
}

// fusable returns the positions of float products that are an operand of a
// + or − (binary or assignment) without a conversion in between.
func fusable(f *ast.File, info *types.Info) []token.Pos {
	isFloat := func(e ast.Expr) bool {
		tv, ok := info.Types[e]
		if !ok || tv.Value != nil { // constants are folded, not computed
			return false
		}
		return floatType(tv.Type)
	}
	product := func(e ast.Expr) bool {
		e = ast.Unparen(e)
		if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.SUB {
			e = ast.Unparen(u.X)
		}
		b, ok := e.(*ast.BinaryExpr)
		return ok && b.Op == token.MUL && isFloat(b)
	}
	var out []token.Pos
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BinaryExpr:
			if (n.Op == token.ADD || n.Op == token.SUB) && isFloat(n) && (product(n.X) || product(n.Y)) {
				out = append(out, n.Pos())
			}
		case *ast.AssignStmt:
			if (n.Tok == token.ADD_ASSIGN || n.Tok == token.SUB_ASSIGN) && len(n.Rhs) == 1 && isFloat(n.Lhs[0]) && product(n.Rhs[0]) {
				out = append(out, n.Pos())
			}
		}
		return true
	})
	return out
}

// floatType reports whether t is float32 or float64, or a type parameter
// that can be one.
func floatType(t types.Type) bool {
	if tp, ok := t.(*types.TypeParam); ok {
		any := false
		if iface, ok := tp.Constraint().Underlying().(*types.Interface); ok {
			for i := 0; i < iface.NumEmbeddeds(); i++ {
				if u, ok := iface.EmbeddedType(i).(*types.Union); ok {
					for j := 0; j < u.Len(); j++ {
						any = any || floatType(u.Term(j).Type())
					}
				} else {
					any = any || floatType(iface.EmbeddedType(i))
				}
			}
		}
		return any
	}
	b, ok := t.Underlying().(*types.Basic)
	if ok {
		return b.Info()&types.IsFloat != 0
	}
	if iface, ok := t.Underlying().(*types.Interface); ok {
		for i := 0; i < iface.NumEmbeddeds(); i++ {
			if floatType(iface.EmbeddedType(i)) {
				return true
			}
		}
	}
	if u, ok := t.(*types.Union); ok {
		for j := 0; j < u.Len(); j++ {
			if floatType(u.Term(j).Type()) {
				return true
			}
		}
	}
	return false
}

type listedPackage struct {
	ImportPath, Dir, Export string
	GoFiles                 []string
	Module                  *struct{ Path string }
}

// listPackages runs go list -deps -export on the module: its packages and
// every dependency, with the export data the type checker imports.
func listPackages(t *testing.T, root string) []listedPackage {
	cmd := exec.Command("go", "list", "-deps", "-export", "-json=ImportPath,Dir,Export,GoFiles,Module", "./...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p listedPackage
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func moduleRoot(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		t.Skip("not in a module")
	}
	return filepath.Dir(mod)
}
