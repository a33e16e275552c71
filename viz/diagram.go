package viz

import (
	"image/color"

	"github.com/pkg/errors"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// DiagramBox is one layer of a model diagram: its title ("dense (Dense)")
// and its input and output shapes as text.
type DiagramBox struct {
	Title, Input, Output string
}

// Diagram sizes in pixels.
const (
	diagramW     = 440
	diagramBoxH  = 64
	diagramGap   = 28
	diagramTop   = 44
	diagramInset = 30
)

// ModelDiagram draws a model's layers top to bottom, as Keras's
// plot_model(show_shapes=True) does: a box per layer with its name and type,
// and its input and output shapes beneath, joined by arrows, under title.
// The image is 440 pixels wide and 44 + 92·len(boxes) − 28 + 16 high.
func ModelDiagram(path, title string, boxes []DiagramBox) error {
	if len(boxes) == 0 {
		return errors.Errorf("model diagram %s: no layers", path)
	}
	h := diagramTop + len(boxes)*(diagramBoxH+diagramGap) - diagramGap + 16
	c := newCanvas(diagramW, h)
	dc := draw.New(c)
	// vg's y axis points up: y(p) is the canvas height minus p pixels.
	y := func(p int) vg.Length { return dc.Max.Y - px(p) }
	dc.FillText(textStyle(14, color.Black), vg.Point{X: px(diagramW / 2), Y: y(diagramTop / 2)}, title)
	header := textStyle(12, color.Black)
	shapes := textStyle(10, color.RGBA{60, 60, 60, 255})
	fill := color.RGBA{222, 235, 247, 255}
	edge := draw.LineStyle{Color: color.RGBA{49, 130, 189, 255}, Width: vg.Points(1.2)}
	arrow := draw.LineStyle{Color: color.Black, Width: vg.Points(1)}
	left, right := px(diagramInset), px(diagramW-diagramInset)
	mid := px(diagramW / 2)
	for i, b := range boxes {
		top := diagramTop + i*(diagramBoxH+diagramGap)
		rect := []vg.Point{{X: left, Y: y(top)}, {X: right, Y: y(top)}, {X: right, Y: y(top + diagramBoxH)}, {X: left, Y: y(top + diagramBoxH)}}
		dc.FillPolygon(fill, rect)
		dc.StrokeLines(edge, append(rect, rect[0]))
		// A rule between the title and the shapes, as Keras's boxes have.
		dc.StrokeLine2(edge, left, y(top+diagramBoxH/2), right, y(top+diagramBoxH/2))
		dc.StrokeLine2(edge, mid, y(top+diagramBoxH/2), mid, y(top+diagramBoxH))
		dc.FillText(header, vg.Point{X: mid, Y: y(top + diagramBoxH/4)}, b.Title)
		dc.FillText(shapes, vg.Point{X: (left + mid) / 2, Y: y(top + 3*diagramBoxH/4)}, "input: "+b.Input)
		dc.FillText(shapes, vg.Point{X: (mid + right) / 2, Y: y(top + 3*diagramBoxH/4)}, "output: "+b.Output)
		if i+1 < len(boxes) {
			a, z := top+diagramBoxH, top+diagramBoxH+diagramGap
			dc.StrokeLine2(arrow, mid, y(a), mid, y(z))
			dc.FillPolygon(color.Black, []vg.Point{{X: mid, Y: y(z)}, {X: mid - px(5), Y: y(z - 8)}, {X: mid + px(5), Y: y(z - 8)}})
		}
	}
	return savePNG(path, c.Image())
}
