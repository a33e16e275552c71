package viz

import (
	"image/color"
	"math"
)

// tab10 is matplotlib's "tab10" cycle. It is used for class and series
// colours so that figures look familiar to readers coming from Keras
// tutorials, and its hues stay distinguishable for common colour blindness.
var tab10 = []color.RGBA{
	{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, // blue
	{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}, // orange
	{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, // green
	{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, // red
	{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, // purple
	{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff}, // brown
	{R: 0xe3, G: 0x77, B: 0xc2, A: 0xff}, // pink
	{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff}, // gray
	{R: 0xbc, G: 0xbd, B: 0x22, A: 0xff}, // olive
	{R: 0x17, G: 0xbe, B: 0xcf, A: 0xff}, // cyan
}

var (
	colorBlue  = tab10[0]
	colorGreen = tab10[2]
	colorRed   = tab10[3]
	colorGray  = color.RGBA{R: 0xb0, G: 0xb0, B: 0xb0, A: 0xff}
	colorDark  = color.RGBA{R: 0x30, G: 0x30, B: 0x30, A: 0xff}
)

// classColor returns the colour of class k, cycling through tab10; negative
// classes (invalid predictions) are gray.
func classColor(k int) color.RGBA {
	if k < 0 {
		return colorGray
	}
	return tab10[k%len(tab10)]
}

// tint mixes c with white; f = 0 gives c, f = 1 gives white. It is used for
// backgrounds so that points of the same colour remain visible on top.
func tint(c color.RGBA, f float64) color.RGBA {
	mix := func(v uint8) uint8 {
		return uint8(math.Round(float64(v) + float64((255-float64(v))*f)))
	}
	return color.RGBA{R: mix(c.R), G: mix(c.G), B: mix(c.B), A: 0xff}
}

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
