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
// params with their size in memory.
func (m *Model) Summary() string {
	const wName, wShape, wParams = 33, 24, 15
	var sb strings.Builder
	fmt.Fprintf(&sb, "Model: %q\n", m.Name)
	line := func(l, mid, r, fill string) {
		sb.WriteString(l + strings.Repeat(fill, wName) + mid + strings.Repeat(fill, wShape) + mid + strings.Repeat(fill, wParams) + r + "\n")
	}
	row := func(sep, a, b, c string) {
		fmt.Fprintf(&sb, "%s %s %s %s %s %s%s\n", sep, pad(a, wName-2), sep, pad(b, wShape-2), sep, padLeft(c, wParams-2), " "+sep)
	}
	line("┏", "┳", "┓", "━")
	row("┃", "Layer (type)", "Output Shape", "Param #")
	line("┡", "╇", "┩", "━")
	var total, trainable int
	for i, l := range m.Layers {
		n := 0
		for _, p := range l.Params() {
			n += p.Size()
			if p.Trainable {
				trainable += p.Size()
			}
		}
		total += n
		shape := "?"
		if m.built {
			shape = ShapeString(m.shapes[i])
		}
		name := Printable(l.Name())
		label := fmt.Sprintf("%s (%s)", name, l.Type())
		first, rest := label, ""
		if utf8.RuneCountInString(label) > wName-2 {
			first, rest = name, "("+l.Type()+")"
		}
		row("│", first, shape, commas(n))
		if rest != "" {
			row("│", rest, "", "")
		}
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
