package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// sourceNote returns the line written under a code block: a link to the
// program it comes from (relative to the notebook, so that it resolves on
// GitHub and in a checkout), the program's imports, with their aliases, and
// the top-level functions the block calls but does not show, so that the
// block can be read without hunting for hidden helpers. program is the
// directive's "code/NN-name/prog"; src the whole main.go; code the shown
// part.
func sourceNote(program, src, code string) (string, error) {
	file := path.Join(program, "main.go")
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.SkipObjectResolution)
	if err != nil {
		return "", fmt.Errorf("%s: %v", file, err)
	}
	var imports []string
	for _, imp := range f.Imports {
		p, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			return "", fmt.Errorf("%s: import %s: %v", file, imp.Path.Value, err)
		}
		if imp.Name != nil {
			p = imp.Name.Name + " " + p
		}
		imports = append(imports, "`"+p+"`")
	}
	// Each top-level function is shown, called here (a helper to look up),
	// the one the block is cut from, or elided whole.
	// The block's longest line says which function it is cut from.
	first := ""
	for _, l := range strings.Split(code, "\n") {
		if l = strings.TrimSpace(l); len(l) > len(first) {
			first = l
		}
	}
	var called, elided []string
	elided = append(elided, "the package clause")
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv != nil {
			continue
		}
		name := fd.Name.Name
		body := src[fset.Position(fd.Pos()).Offset:fset.Position(fd.End()).Offset]
		switch {
		case strings.Contains(code, "func "+name+"("):
			// shown
		case regexp.MustCompile(`\b` + regexp.QuoteMeta(name) + `\(`).MatchString(code):
			called = append(called, "`"+name+"`")
		case first != "" && strings.Contains(body, first):
			elided = append(elided, "the rest of `"+name+"`")
		case name == "main":
			elided = append(elided, "`main` (flags, error exit)")
		default:
			elided = append(elided, "`"+name+"`")
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<sub>From [%s](%s), which runs as is. Imports: %s.", file, file, strings.Join(imports, ", "))
	if len(called) > 0 {
		fmt.Fprintf(&b, " Called here, defined in the file: %s.", strings.Join(called, ", "))
	}
	fmt.Fprintf(&b, " Elided: %s.</sub>", strings.Join(elided, ", "))
	return b.String(), nil
}
