package main

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// A directive is an HTML comment alone on a line of a source notebook:
//
//	<!-- code: code/01-iris/iris-train#model -->   the program's source (a region)
//	<!-- output: code/01-iris/iris-train#fit -->   what it printed (a section)
//	<!-- requires: mnist -->                       the notebook needs MNIST
type directive struct {
	kind    string // "code", "output" or "requires"
	program string // "code/01-iris/iris-train", relative to notebooks-md
	part    string // region or section name after '#'; "" for all
	arg     string // for requires: what is required
	line    int    // 1-based line in the source
}

var directiveRE = regexp.MustCompile(`^<!--\s*([a-z]+):\s*(\S+)\s*-->$`)

// parseSource splits a source notebook into text lines and directives: the
// i-th element of lines is either plain text (dirs[i] == nil) or a directive.
func parseSource(name, src string) (lines []string, dirs []*directive, err error) {
	for i, l := range strings.Split(src, "\n") {
		t := strings.TrimSpace(l)
		m := directiveRE.FindStringSubmatch(t)
		if m == nil {
			if strings.HasPrefix(t, "<!-- code:") || strings.HasPrefix(t, "<!-- output:") {
				return nil, nil, fmt.Errorf("%s:%d: malformed directive %q", name, i+1, t)
			}
			lines = append(lines, l)
			dirs = append(dirs, nil)
			continue
		}
		d := &directive{kind: m[1], line: i + 1}
		switch d.kind {
		case "code", "output":
			prog, part, _ := strings.Cut(m[2], "#")
			if !strings.HasPrefix(prog, "code/") || path.Clean(prog) != prog || strings.Count(prog, "/") != 2 {
				return nil, nil, fmt.Errorf("%s:%d: program %q: want code/<notebook>/<program>", name, i+1, prog)
			}
			d.program, d.part = prog, part
		case "requires":
			if m[2] != "mnist" {
				return nil, nil, fmt.Errorf("%s:%d: unknown requirement %q (known: mnist)", name, i+1, m[2])
			}
			d.arg = m[2]
		default:
			return nil, nil, fmt.Errorf("%s:%d: unknown directive %q (known: code, output, requires)", name, i+1, d.kind)
		}
		lines = append(lines, l)
		dirs = append(dirs, d)
	}
	return lines, dirs, nil
}

const (
	beginMarker   = "// notebook:begin"
	endMarker     = "// notebook:end"
	hideMarker    = "// notebook:hide"
	sectionMarker = "notebook:section "
)

// extractCode returns the part of a Go source shown in a notebook: the lines
// between "// notebook:begin [name]" and "// notebook:end" (all regions when
// name is empty, else those called name), without lines ending in
// "// notebook:hide", dedented; the whole file when it has no regions.
func extractCode(file, src, name string) (string, error) {
	lines := strings.Split(strings.TrimRight(src, "\n"), "\n")
	var out []string
	inside, any, found := false, false, false
	var current string
	for i, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case t == beginMarker || strings.HasPrefix(t, beginMarker+" "):
			if inside {
				return "", fmt.Errorf("%s:%d: notebook:begin inside a region", file, i+1)
			}
			inside, any = true, true
			current = strings.TrimSpace(strings.TrimPrefix(t, beginMarker))
			if name == "" || current == name {
				if found && len(out) > 0 {
					out = append(out, "")
				}
				found = true
			}
		case t == endMarker:
			if !inside {
				return "", fmt.Errorf("%s:%d: notebook:end outside a region", file, i+1)
			}
			inside = false
		case strings.HasSuffix(t, hideMarker):
		case inside && (name == "" || current == name):
			out = append(out, l)
		}
	}
	if inside {
		return "", fmt.Errorf("%s: notebook:begin without notebook:end", file)
	}
	if !any && name == "" {
		for _, l := range lines {
			if !strings.HasSuffix(strings.TrimSpace(l), hideMarker) {
				out = append(out, l)
			}
		}
		found = true
	}
	if !found {
		return "", fmt.Errorf("%s: no region %q", file, name)
	}
	return dedent(trimBlank(out)), nil
}

// dedent removes the leading tabs that every non-blank line shares.
func dedent(lines []string) string {
	common := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, "\t"))
		if common < 0 || n < common {
			common = n
		}
	}
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			lines[i] = ""
		} else {
			lines[i] = l[common:]
		}
	}
	return strings.Join(lines, "\n")
}

// trimBlank drops leading and trailing blank lines.
func trimBlank(lines []string) []string {
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// timingRE matches the timings of Keras progress lines:
// "12/12 ━━━━━━━━━━━━━━━━━━━━ 0s 9ms/step".
var timingRE = regexp.MustCompile(`(\d+/\d+ ━+ )\d+s \d+(?:us|ms|s)/step`)

// timingMask replaces them, so that the text does not change from run to run.
const timingMask = "${1}Xs Xms/step"

// maskOutput makes a program's output deterministic and tidy: timings
// masked, trailing spaces and blank lines removed.
func maskOutput(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(timingRE.ReplaceAllString(l, timingMask), " \t\r")
	}
	return strings.Join(trimBlank(lines), "\n")
}

// section returns the lines a program printed after the line
// "notebook:section name" and before the next such line; with name "", all
// of its output without those lines.
func section(prog, out, name string) (string, error) {
	var keep []string
	in, found := name == "", name == ""
	for _, l := range strings.Split(out, "\n") {
		if s, ok := strings.CutPrefix(l, sectionMarker); ok {
			if name != "" {
				in = strings.TrimSpace(s) == name
				found = found || in
			}
			continue
		}
		if in {
			keep = append(keep, l)
		}
	}
	if !found {
		return "", fmt.Errorf("%s: printed no section %q", prog, name)
	}
	return strings.Join(keep, "\n"), nil
}

// linkRE finds the targets of Markdown links and images, and of src
// attributes.
var linkRE = regexp.MustCompile(`\]\(([^)\s]+)\)|src="([^"]+)"`)

// links returns the local targets a Markdown text links to, without
// anchors; web addresses and in-page anchors are left out.
func links(md string) []string {
	var out []string
	for _, m := range linkRE.FindAllStringSubmatch(md, -1) {
		t := m[1] + m[2]
		if strings.Contains(t, "://") || strings.HasPrefix(t, "#") || strings.HasPrefix(t, "mailto:") {
			continue
		}
		t, _, _ = strings.Cut(t, "#")
		out = append(out, t)
	}
	return out
}

// isImage reports whether a link target is a picture.
func isImage(target string) bool {
	switch strings.ToLower(path.Ext(target)) {
	case ".png", ".gif", ".jpg", ".jpeg", ".svg":
		return true
	}
	return false
}
