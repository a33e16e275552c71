package kernels

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestNoDuplicateAssembly reads every assembly file under internal/ and
// fails when two routines have the same body (comments, blank lines and
// label names aside): each routine has one copy, which the other packages
// call (TransposeRows's 8×8 blocks are internal/gemm's Transpose8).
func TestNoDuplicateAssembly(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "*", "*.s"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("found %d assembly files under internal/", len(files))
	}
	label := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*:$`)
	seen := map[string]string{} // body → file and routine
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		routines := strings.Split(string(src), "\nTEXT ")[1:]
		for _, r := range routines {
			lines := strings.Split(r, "\n")
			name := strings.SplitN(lines[0], "(", 2)[0]
			var body []string
			labels := map[string]string{}
			for _, l := range lines[1:] {
				if i := strings.Index(l, "//"); i >= 0 {
					l = l[:i]
				}
				l = strings.TrimSpace(l)
				if l == "" {
					continue
				}
				if label.MatchString(l) {
					labels[strings.TrimSuffix(l, ":")] = "L"
					l = "L:"
				}
				body = append(body, l)
			}
			// Jumps name labels: rename them all alike.
			for i, l := range body {
				if fields := strings.Fields(l); len(fields) == 2 && labels[fields[1]] != "" {
					body[i] = fields[0] + " L"
				}
			}
			key := strings.Join(body, "\n")
			where := filepath.Base(filepath.Dir(f)) + "/" + filepath.Base(f) + ": " + name
			if other, dup := seen[key]; dup {
				t.Errorf("%s has the same body as %s: keep one and call it from both places", where, other)
			}
			seen[key] = where
		}
	}
}
