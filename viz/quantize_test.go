package viz

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"testing"
)

// Frames with more than 256 colours share a palette of their 256 most
// frequent ones: those are kept exactly and the encoding is deterministic.
func TestGIFQuantizesManyColours(t *testing.T) {
	var frames []image.Image
	for f := 0; f < 2; f++ {
		m := image.NewRGBA(image.Rect(0, 0, 40, 30))
		for y := 0; y < 30; y++ {
			for x := 0; x < 40; x++ {
				// Left half: one frequent colour per row (30 of them);
				// right half: 600 distinct rare shades per frame.
				c := color.RGBA{uint8(8 * y), 100, 50, 255}
				if x >= 20 {
					c = color.RGBA{uint8(x * 6), uint8(y * 8), uint8(f*100 + 1), 255}
				}
				m.Set(x, y, c)
			}
		}
		frames = append(frames, m)
	}
	a, err := encodeGIF(frames, 5)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := encodeGIF(frames, 5)
	if !bytes.Equal(a, b) {
		t.Error("the same frames gave different GIF bytes")
	}
	g, err := gif.DecodeAll(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != 2 {
		t.Fatalf("%d frames, want 2", len(g.Image))
	}
	pal := g.Image[0].Palette
	if len(pal) > 256 {
		t.Fatalf("palette of %d colours", len(pal))
	}
	for y := 0; y < 30; y++ {
		want := color.RGBA{uint8(8 * y), 100, 50, 255}
		got := color.RGBAModel.Convert(g.Image[1].At(3, y)).(color.RGBA)
		if got != want {
			t.Errorf("frequent colour of row %d became %v, want it kept exactly (%v)", y, got, want)
		}
	}
}
