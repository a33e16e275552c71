package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"regexp"
	"sort"
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
	var hidden []string
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv != nil {
			continue
		}
		name := fd.Name.Name
		if strings.Contains(code, "func "+name+"(") {
			continue // shown
		}
		if regexp.MustCompile(`\b`+regexp.QuoteMeta(name)+`\(`).MatchString(code) {
			hidden = append(hidden, "`"+name+"`")
		}
	}
	sort.Strings(hidden)
	var b strings.Builder
	fmt.Fprintf(&b, "<sub>From [%s](%s), which runs as is. Imports: %s.", file, file, strings.Join(imports, ", "))
	if len(hidden) > 0 {
		fmt.Fprintf(&b, " Called here, defined in the file: %s.", strings.Join(hidden, ", "))
	}
	b.WriteString(" Elided: the package clause and `main` (flags, error exit)")
	if !strings.Contains(code, "func run(") && strings.Contains(src, "func run(") {
		b.WriteString(" and the lines of `run` outside this block")
	}
	b.WriteString(".</sub>")
	return b.String(), nil
}
