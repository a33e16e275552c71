package main

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"sort"
	"strings"

	"github.com/pkg/errors"
	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/gradgraph/gradgraph/internal/atomicfile"
	"github.com/gradgraph/gradgraph/train"
)

// mistakesFile is the grid of misclassified test images in -out.
const mistakesFile = "mistakes.png"

// Layout of the grid, in pixels: each image drawn to fit a tile×tile box
// (whole-pixel enlargement for small images, bilinear reduction for large
// ones), in colour as the files hold it, with its true class and, in red,
// the predicted one under it.
const (
	mistakeCols   = 8
	mistakesShown = 40 // the first ones, in test order
	tile          = 96
	cellWidth     = 120
	lineHeight    = 16
	cellMargin    = 8
	headerHeight  = 28
)

// writeMistakes draws the first mistakesShown misclassified test images
// to path and returns how many test images were misclassified. With none,
// the picture says so.
func writeMistakes(path string, s *sets, ev evaluation) (int, error) {
	predicted := train.Argmax(ev.probs)
	var wrong []int
	for i, l := range ev.labels {
		if predicted[i] != l {
			wrong = append(wrong, i)
		}
	}
	face, err := gridFace()
	if err != nil {
		return 0, err
	}
	shown := spread(wrong, ev.labels)[:min(len(wrong), mistakesShown)]
	cols := max(1, min(mistakeCols, len(shown)))
	rows := (len(shown) + cols - 1) / cols
	cellH := tile + 2*lineHeight + 2*cellMargin
	img := image.NewRGBA(image.Rect(0, 0, max(cols*cellWidth, 480), headerHeight+rows*cellH))
	xdraw.Draw(img, img.Bounds(), image.White, image.Point{}, xdraw.Src)

	test := strings.ToLower(s.testName())
	header := fmt.Sprintf("No %s image misclassified (of %d)", test, len(ev.labels))
	if len(wrong) > 0 {
		header = fmt.Sprintf("%d of %d %s images misclassified", len(wrong), len(ev.labels), test)
		if len(shown) < len(wrong) {
			header += fmt.Sprintf(" (%d shown: the first of each true class, then the second, ...)", len(shown))
		}
	}
	text(img, face, header, 8, headerHeight-9, img.Bounds().Dx()-16, color.Black)

	for k, i := range shown {
		x0 := (k%cols)*cellWidth + (cellWidth-tile)/2
		y0 := headerHeight + (k/cols)*cellH + cellMargin
		drawFitted(img, picture(pixels(s.test, i), s.w, s.h, s.c), x0, y0)
		tx := (k % cols) * cellWidth
		text(img, face, "true: "+className(s.classes, ev.labels[i]), tx+4, y0+tile+lineHeight-3, cellWidth-8, color.Black)
		text(img, face, "predicted: "+className(s.classes, predicted[i]), tx+4, y0+tile+2*lineHeight-3, cellWidth-8, color.RGBA{R: 0xc0, A: 0xff})
	}
	return len(wrong), savePNG(path, img)
}

// spread orders the misclassified images wrong by their rank within their
// true class, then by index: the first mistake of every class, then the
// second of every class, and so on, so that a grid of the first ones shows
// many classes even when the images come grouped by class (a class folder
// after another).
func spread(wrong, labels []int) []int {
	rank := make(map[int]int, len(wrong))
	seen := map[int]int{}
	for _, i := range wrong {
		rank[i] = seen[labels[i]]
		seen[labels[i]]++
	}
	out := append([]int(nil), wrong...)
	sort.SliceStable(out, func(a, b int) bool { return rank[out[a]] < rank[out[b]] })
	return out
}

// picture turns pixel values 0..255 of c channels (1 or 3) into an image.
func picture(pix []float32, w, h, c int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	level := func(v float32) uint8 { return uint8(max(0, min(255, v+0.5))) }
	for i := 0; i < w*h; i++ {
		r := level(pix[i*c])
		g, b := r, r
		if c == 3 {
			g, b = level(pix[i*c+1]), level(pix[i*c+2])
		}
		img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = r, g, b, 0xff
	}
	return img
}

// drawFitted draws pic into the tile×tile box at (x0, y0), centred:
// enlarged by a whole factor when it is small (sharp pixels, as imshow's
// nearest interpolation), reduced bilinearly when it is larger.
func drawFitted(dst *image.RGBA, pic image.Image, x0, y0 int) {
	w, h := pic.Bounds().Dx(), pic.Bounds().Dy()
	scaler := xdraw.Scaler(xdraw.NearestNeighbor)
	if k := tile / max(w, h); k >= 1 {
		w, h = w*k, h*k
	} else {
		w, h = max(1, w*tile/max(w, h)), max(1, h*tile/max(w, h))
		scaler = xdraw.ApproxBiLinear
	}
	r := image.Rect(0, 0, w, h).Add(image.Pt(x0+(tile-w)/2, y0+(tile-h)/2))
	scaler.Scale(dst, r, pic, pic.Bounds(), xdraw.Src, nil)
}

// gridFace is the grid's font: Go Regular at 11 px.
func gridFace() (font.Face, error) {
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		return nil, errors.Wrap(err, "mistakes.png: font")
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 11, DPI: 72, Hinting: font.HintingFull})
	return face, errors.Wrap(err, "mistakes.png: font")
}

// text draws s with its baseline at (x, y), cut with "…" to width pixels.
func text(dst *image.RGBA, face font.Face, s string, x, y, width int, c color.Color) {
	d := font.Drawer{Dst: dst, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x, y)}
	if d.MeasureString(s).Ceil() > width {
		r := []rune(s)
		for len(r) > 0 && d.MeasureString(string(r)+"…").Ceil() > width {
			r = r[:len(r)-1]
		}
		s = string(r) + "…"
	}
	d.DrawString(s)
}

// className names class i by its folder name.
func className(classes []string, i int) string {
	if i >= 0 && i < len(classes) {
		return classes[i]
	}
	return fmt.Sprint(i)
}

// savePNG writes img to path, atomically.
func savePNG(path string, img image.Image) error {
	return errors.Wrap(atomicfile.Write(path, func(w io.Writer) error { return png.Encode(w, img) }), mistakesFile)
}
