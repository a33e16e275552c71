package nn

import (
	"strings"
	"testing"
)

// TestSummaryHostileNames: a layer name is user data (a checkpoint's): a
// line break must not break the table, and ESC or BEL must not reach the
// terminal raw (issue 23). Such names are shown with Go escapes.
func TestSummaryHostileNames(t *testing.T) {
	d := Dense(3, Softmax)
	d.SetName("evil\n```\x1b[31m\x07")
	m := Sequential("m", d)
	if err := m.Build(2, BuildOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	s := m.Summary()
	if strings.ContainsAny(s, "\x1b\x07") {
		t.Errorf("the summary holds raw control characters:\n%s", s)
	}
	if !strings.Contains(s, `evil\n`+"```"+`\x1b[31m\a`) {
		t.Errorf("the name is not shown escaped:\n%s", s)
	}
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) != 9 { // title, 3 header lines, the layer, the rule, 3 totals
		t.Errorf("%d lines, want 9:\n%s", len(lines), s)
	}
	p := Dense(3, Softmax)
	p.SetName("plain_é")
	plain := Sequential("p", p)
	if err := plain.Build(2, BuildOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plain.Summary(), "│ plain_é (Dense)") {
		t.Errorf("a plain name changed:\n%s", plain.Summary())
	}
}
