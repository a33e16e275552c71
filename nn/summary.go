package nn

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Summary returns Keras's model.summary() table: each layer's name and type,
// output shape and param count, then total, trainable and non-trainable
// params with their size in memory. A model made by NewModel gets Keras's
// functional table: its inputs as InputLayer rows, and a "Connected to"
// column naming each call's inputs as Keras does (conv2d[0][0]: the first
// call of the layer conv2d), one per line.
func (m *Model) Summary() string {
	const wName, wShape, wParams = 33, 24, 15
	wConn := m.connWidth()
	var sb strings.Builder
	fmt.Fprintf(&sb, "Model: %q\n", m.Name)
	conn := m.functional
	line := func(l, mid, r, fill string) {
		sb.WriteString(l + strings.Repeat(fill, wName) + mid + strings.Repeat(fill, wShape) + mid + strings.Repeat(fill, wParams))
		if conn {
			sb.WriteString(mid + strings.Repeat(fill, wConn))
		}
		sb.WriteString(r + "\n")
	}
	row := func(sep, a, b, c, d string) {
		fmt.Fprintf(&sb, "%s %s %s %s %s %s", sep, pad(a, wName-2), sep, pad(b, wShape-2), sep, padLeft(c, wParams-2))
		if conn {
			fmt.Fprintf(&sb, " %s %s", sep, pad(d, wConn-2))
		}
		sb.WriteString(" " + sep + "\n")
	}
	line("┏", "┳", "┓", "━")
	row("┃", "Layer (type)", "Output Shape", "Param #", "Connected to")
	line("┡", "╇", "┩", "━")
	var total, trainable int
	rows := 0
	entry := func(name, typ, shape string, params int, inbound []string) {
		if rows > 0 && conn {
			line("├", "┼", "┤", "─")
		}
		rows++
		name = Printable(name)
		label := fmt.Sprintf("%s (%s)", name, typ)
		first, rest := label, ""
		if utf8.RuneCountInString(label) > wName-2 {
			first, rest = name, "("+typ+")"
		}
		lines := [][4]string{{first, shape, commas(params), ""}}
		if rest != "" {
			lines = append(lines, [4]string{rest})
		}
		for i, s := range inbound {
			if i > 0 {
				lines[i-1][3] += ","
			}
			if i >= len(lines) {
				lines = append(lines, [4]string{})
			}
			lines[i][3] = s
		}
		for _, l := range lines {
			row("│", l[0], l[1], l[2], l[3])
		}
	}
	if conn {
		for _, t := range m.inputs {
			entry(t.name, "InputLayer", ShapeString(t.shape), 0, []string{"-"})
		}
	}
	refs := m.tensorRefs()
	inbound := map[Layer][]string{}
	for _, n := range m.nodes {
		for _, t := range n.in {
			inbound[n.layer] = append(inbound[n.layer], refs[t].String())
		}
	}
	shapes := map[Layer]string{}
	for _, n := range m.nodes {
		if _, ok := shapes[n.layer]; !ok && (m.built || m.functional) {
			shapes[n.layer] = ShapeString(n.out.shape)
		}
	}
	for _, l := range m.Layers {
		n := 0
		for _, p := range l.Params() {
			n += p.Size()
			if p.Trainable {
				trainable += p.Size()
			}
		}
		total += n
		shape, ok := shapes[l]
		if !ok {
			shape = "?"
		}
		entry(l.Name(), l.Type(), shape, n, inbound[l])
	}
	line("└", "┴", "┘", "─")
	bytesPer := 4
	if m.built && m.dtype.Size() > 0 {
		bytesPer = int(m.dtype.Size())
	}
	fmt.Fprintf(&sb, " Total params: %s (%s)\n", commas(total), bytesize(total*bytesPer))
	fmt.Fprintf(&sb, " Trainable params: %s (%s)\n", commas(trainable), bytesize(trainable*bytesPer))
	fmt.Fprintf(&sb, " Non-trainable params: %s (%s)\n", commas(total-trainable), bytesize((total-trainable)*bytesPer))
	return sb.String()
}

// connWidth is the Connected to column's width: 30, or wider for the
// longest reference (up to 64).
func (m *Model) connWidth() int {
	w := 30
	refs := m.tensorRefs()
	for _, n := range m.nodes {
		for _, t := range n.in {
			w = max(w, min(64, utf8.RuneCountInString(refs[t].String())+3))
		}
	}
	return w
}

// Printable returns a name (a layer's, a model's) as gradgraph shows it in
// text: as it is, or, when it holds control characters (a line break, ESC)
// or bytes that are not UTF-8, quoted with those written as Go escapes, so
// that a name read from a file can neither break a table's lines nor drive
// a terminal. The model summary and report.md use it.
func Printable(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

func pad(s string, w int) string {
	n := utf8.RuneCountInString(s)
	if n >= w {
		return s
	}
	return s + strings.Repeat(" ", w-n)
}

func padLeft(s string, w int) string {
	n := utf8.RuneCountInString(s)
	if n >= w {
		return s
	}
	return strings.Repeat(" ", w-n) + s
}

// commas writes n with thousands separators, as Keras does.
func commas(n int) string {
	s := fmt.Sprint(n)
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// bytesize formats a byte count the way Keras's summary does.
func bytesize(n int) string {
	units := []string{"B", "KB", "MB", "GB"}
	x := float64(n)
	i := 0
	for x >= 1024 && i < len(units)-1 {
		x /= 1024
		i++
	}
	return fmt.Sprintf("%.2f %s", x, units[i])
}
