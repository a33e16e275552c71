package viz

import (
	"image/color"
	"math"

	"github.com/pkg/errors"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// DiagramBox is one layer of a model diagram: its title ("dense (Dense)")
// and its input and output shapes as text.
//
// Name and Inbound make the diagram a graph, as Keras draws a functional
// model: Inbound names the boxes whose outputs the box takes (by their
// Name), in any number; a box with none is an input of the graph. When no
// box has a Name or Inbound the boxes are a chain, each feeding the next,
// as a Sequential model's layers.
type DiagramBox struct {
	Title, Input, Output string
	// Name is what other boxes' Inbound call this box (a layer's name);
	// it may be empty for a box that feeds none.
	Name string
	// Inbound names the boxes that feed this one. A name given twice
	// draws one arrow.
	Inbound []string
}

// Diagram sizes in pixels.
const (
	diagramW     = 440 // the narrowest image
	diagramBoxH  = 64
	diagramGap   = 28 // between ranks
	diagramTop   = 44
	diagramInset = 30 // left and right of the widest rank

	diagramMinBoxW = diagramW - 2*diagramInset
	// diagramMaxBoxW bounds a box that grows to show long shapes (a merge
	// of several inputs); text that would not fit even so ends in "…".
	diagramMaxBoxW = 760
	// diagramPad is the room left on each side of a box's texts.
	diagramPad = 10
	// diagramPort keeps where an arrow meets a box this far from its
	// corners.
	diagramPort = 20
	// diagramMaxPixels bounds the image (a 512 MiB RGBA canvas): a graph
	// too wide or deep for it is an error, not an exhausted memory.
	diagramMaxPixels = 1 << 27
)

// ModelDiagram draws a model's layers top to bottom, as Keras's
// plot_model(show_shapes=True) does: a box per layer with its name and type,
// and its input and output shapes beneath, joined by arrows, under title.
//
// The boxes are laid out as a graph (see DiagramBox): each box in the row
// (rank) of its longest path from the inputs, the boxes of a row side by
// side, ordered by where their inputs are, and an arrow from each inbound
// box to its consumer; an arrow that spans rows passes beside the boxes
// between, and the long arrows from one box share their way down. An
// inbound name that is no box's, two boxes of one name, or a cycle is an
// error. A box is 380 pixels wide, or wider to fit its texts (up to 760,
// beyond which they are shortened with "…"). The image is as wide as the
// widest row and 30 pixels each side, at least 440 pixels, and
// 44 + 92·rows − 28 + 16 high; a chain of boxes is 440 pixels wide.
func ModelDiagram(path, title string, boxes []DiagramBox) error {
	if len(boxes) == 0 {
		return errors.Errorf("model diagram %s: no layers", path)
	}
	header := textStyle(12, color.Black)
	shapes := textStyle(10, color.RGBA{60, 60, 60, 255})
	heading := textStyle(14, color.Black)
	labels := make([]boxText, len(boxes))
	widths := make([]int, len(boxes))
	for i, b := range boxes {
		labels[i], widths[i] = fitBox(header, shapes, b)
	}
	l, err := layoutDiagram(boxes, widths)
	if err != nil {
		return errors.Wrapf(err, "model diagram %s", path)
	}
	w := max(diagramW, l.width+2*diagramInset, lengthPixels(heading.Width(title))+2*diagramInset)
	h := diagramTop + len(l.ranks)*(diagramBoxH+diagramGap) - diagramGap + 16
	if float64(w)*float64(h) > diagramMaxPixels {
		return errors.Errorf("model diagram %s: %d×%d pixels is too large (%d boxes in %d rows)", path, w, h, len(boxes), len(l.ranks))
	}
	shift := (w - l.width) / 2
	c := newCanvas(w, h)
	dc := draw.New(c)
	// vg's y axis points up: y(p) is the canvas height minus p pixels.
	y := func(p int) vg.Length { return dc.Max.Y - px(p) }
	dc.FillText(heading, vg.Point{X: px(w / 2), Y: y(diagramTop / 2)}, title)
	fill := color.RGBA{222, 235, 247, 255}
	edge := draw.LineStyle{Color: color.RGBA{49, 130, 189, 255}, Width: vg.Points(1.2)}
	arrow := draw.LineStyle{Color: color.Black, Width: vg.Points(1)}
	top := func(rank int) int { return diagramTop + rank*(diagramBoxH+diagramGap) }
	// span is where arrows may leave or reach node i.
	span := func(i int) (lo, hi int) {
		nd := l.nodes[i]
		x := nd.x + shift
		if nd.box < 0 {
			return x, x
		}
		return x - nd.w/2 + diagramPort, x + nd.w/2 - diagramPort
	}
	// Row by row: the arrows into the row, then its boxes over their tips.
	for r, row := range l.ranks {
		for _, i := range row {
			nd := l.nodes[i]
			if nd.box < 0 {
				x := px(nd.x + shift)
				dc.StrokeLine2(arrow, x, y(top(r)), x, y(top(r)+diagramBoxH))
			}
			for _, p := range nd.preds {
				a, z := top(r-1)+diagramBoxH, top(r)
				fromLo, fromHi := span(p)
				toLo, toHi := span(i)
				from, to := pathEnds(l.nodes[p].x+shift, fromLo, fromHi, nd.x+shift, toLo, toHi)
				dc.StrokeLine2(arrow, px(from), y(a), px(to), y(z))
				if nd.box < 0 {
					continue
				}
				if from == to {
					x := px(to)
					dc.FillPolygon(color.Black, []vg.Point{{X: x, Y: y(z)}, {X: x - px(5), Y: y(z - 8)}, {X: x + px(5), Y: y(z - 8)}})
					continue
				}
				dc.FillPolygon(color.Black, arrowHead(dc.Max.Y, float64(from), float64(a), float64(to), float64(z)))
			}
		}
		for _, i := range row {
			nd := l.nodes[i]
			if nd.box < 0 {
				continue
			}
			t := top(r)
			x := nd.x + shift
			left, right := px(x-nd.w/2), px(x+nd.w/2)
			mid := px(x)
			rect := []vg.Point{{X: left, Y: y(t)}, {X: right, Y: y(t)}, {X: right, Y: y(t + diagramBoxH)}, {X: left, Y: y(t + diagramBoxH)}}
			dc.FillPolygon(fill, rect)
			dc.StrokeLines(edge, append(rect, rect[0]))
			// A rule between the title and the shapes, as Keras's boxes have.
			dc.StrokeLine2(edge, left, y(t+diagramBoxH/2), right, y(t+diagramBoxH/2))
			dc.StrokeLine2(edge, mid, y(t+diagramBoxH/2), mid, y(t+diagramBoxH))
			lb := labels[nd.box]
			dc.FillText(header, vg.Point{X: mid, Y: y(t + diagramBoxH/4)}, lb.title)
			dc.FillText(shapes, vg.Point{X: (left + mid) / 2, Y: y(t + 3*diagramBoxH/4)}, lb.input)
			dc.FillText(shapes, vg.Point{X: (mid + right) / 2, Y: y(t + 3*diagramBoxH/4)}, lb.output)
		}
	}
	return savePNG(path, c.Image())
}

// pathEnds returns where an arrow from a node centred at fromX, which it
// may leave between fromLo and fromHi, meets a node centred at toX below,
// which it may reach between toLo and toHi. Nodes that overlap across are
// joined by a vertical arrow, as near the middle of their centres as the
// overlap allows; others by a slanted one from the nearest corner.
func pathEnds(fromX, fromLo, fromHi, toX, toLo, toHi int) (from, to int) {
	lo, hi := max(fromLo, toLo), min(fromHi, toHi)
	if lo <= hi {
		x := min(max((fromX+toX)/2, lo), hi)
		return x, x
	}
	return min(max(toX, fromLo), fromHi), min(max(fromX, toLo), toHi)
}

// arrowHead is the head of an arrow from (x0, y0) to (x1, y1), in pixels
// down from the top of a canvas of height maxY: 8 pixels long, 10 wide,
// as the vertical ones.
func arrowHead(maxY vg.Length, x0, y0, x1, y1 float64) []vg.Point {
	dx, dy := x1-x0, y1-y0
	n := math.Hypot(dx, dy)
	ux, uy := dx/n, dy/n
	bx, by := x1-float64(8*ux), y1-float64(8*uy)
	pt := func(x, y float64) vg.Point {
		return vg.Point{X: vg.Length(x) * vg.Inch / dpi, Y: maxY - vg.Length(vg.Length(y)*vg.Inch/dpi)}
	}
	return []vg.Point{pt(x1, y1), pt(bx-float64(5*uy), by+float64(5*ux)), pt(bx+float64(5*uy), by-float64(5*ux))}
}

// boxText is what a box shows: its title and its shapes.
type boxText struct{ title, input, output string }

// fitBox returns the texts of b's box and its width in pixels: 380, or
// more (an even number, up to diagramMaxBoxW) to fit the title in the box
// and each shape in its half; text that does not fit even so is shortened.
func fitBox(header, shapes text.Style, b DiagramBox) (boxText, int) {
	t := boxText{title: b.Title, input: "input: " + b.Input, output: "output: " + b.Output}
	need := max(lengthPixels(header.Width(t.title))+2*diagramPad,
		2*(lengthPixels(shapes.Width(t.input))+2*diagramPad),
		2*(lengthPixels(shapes.Width(t.output))+2*diagramPad))
	w := min(max(diagramMinBoxW, need+need%2), diagramMaxBoxW)
	t.title = shorten(header, t.title, w-2*diagramPad)
	t.input = shorten(shapes, t.input, w/2-2*diagramPad)
	t.output = shorten(shapes, t.output, w/2-2*diagramPad)
	return t, w
}

// lengthPixels is a length in whole pixels, rounded up.
func lengthPixels(l vg.Length) int { return int(math.Ceil(float64(l * dpi / vg.Inch))) }

// shorten returns s, or its longest beginning that fits in w pixels with
// "…" after it; it measures O(log len(s)) candidates.
func shorten(sty text.Style, s string, w int) string {
	if lengthPixels(sty.Width(s)) <= w {
		return s
	}
	r := []rune(s)
	lo, hi := 0, len(r) // r[:lo]+"…" fits (or lo is 0); r[:hi+1]+"…" does not
	for lo < hi {
		m := (lo + hi + 1) / 2
		if lengthPixels(sty.Width(string(r[:m])+"…")) <= w {
			lo = m
		} else {
			hi = m - 1
		}
	}
	return string(r[:lo]) + "…"
}
