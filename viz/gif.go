package viz

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"sort"

	"github.com/pkg/errors"
)

// WriteGIF writes frames as an animated GIF that loops forever, showing each
// frame for delay hundredths of a second. All frames must have the same
// bounds. When the frames use at most 256 colours together they are stored
// exactly; otherwise (anti-aliased plots) they share a palette of their 256
// most frequent colours, rarer colours going to the nearest entry. Both are
// deterministic, so the same frames always give the same file.
func WriteGIF(path string, frames []image.Image, delay int) error {
	b, err := encodeGIF(frames, delay)
	if err != nil {
		return errors.Wrap(err, "viz: gif")
	}
	return errors.Wrap(writeFile(path, b), "viz: gif")
}

func encodeGIF(frames []image.Image, delay int) ([]byte, error) {
	if len(frames) == 0 {
		return nil, errors.New("no frames")
	}
	if delay < 0 {
		return nil, errors.Errorf("negative delay %d", delay)
	}
	for i, f := range frames {
		if f == nil {
			return nil, errors.Errorf("frame %d is nil", i)
		}
	}
	bounds := frames[0].Bounds()
	for i, f := range frames {
		if f.Bounds() != bounds {
			return nil, errors.Errorf("frame %d is %v, frame 0 is %v", i, f.Bounds(), bounds)
		}
	}
	if bounds.Empty() {
		return nil, errors.New("empty frames")
	}
	// More than 256 colours (anti-aliased plots) are first reduced to the
	// 256 most frequent; the frames are then stored exactly.
	frames = quantize(frames)
	pal := framePalette(frames)
	g := &gif.GIF{Config: image.Config{Width: bounds.Dx(), Height: bounds.Dy(), ColorModel: pal}}
	for _, f := range frames {
		pm := image.NewPaletted(bounds, pal)
		indexExact(pm, f, pal)
		g.Image = append(g.Image, pm)
		g.Delay = append(g.Delay, delay)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		return nil, errors.Wrap(err, "encoding")
	}
	return buf.Bytes(), nil
}

// framePalette returns the colours used by all frames (at most 256, after
// quantize), sorted so that the result does not depend on map order.
func framePalette(frames []image.Image) color.Palette {
	seen := map[color.RGBA]bool{}
	for _, f := range frames {
		b := f.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				seen[color.RGBAModel.Convert(f.At(x, y)).(color.RGBA)] = true
			}
		}
	}
	cs := make([]color.RGBA, 0, len(seen))
	for c := range seen {
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.R != b.R {
			return a.R < b.R
		}
		if a.G != b.G {
			return a.G < b.G
		}
		if a.B != b.B {
			return a.B < b.B
		}
		return a.A < b.A
	})
	pal := make(color.Palette, len(cs))
	for i, c := range cs {
		pal[i] = c
	}
	return pal
}

// indexExact writes f into pm when every colour of f is in pal. A map from
// colour to index replaces Palette.Index, which searches all 256 entries
// for the nearest colour at every pixel and made GIF writing most of a
// playground run.
func indexExact(pm *image.Paletted, f image.Image, pal color.Palette) {
	index := make(map[color.RGBA]uint8, len(pal))
	for i, c := range pal {
		index[c.(color.RGBA)] = uint8(i)
	}
	b := f.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := pm.Pix[(y-b.Min.Y)*pm.Stride:]
		for x := b.Min.X; x < b.Max.X; x++ {
			row[x-b.Min.X] = index[color.RGBAModel.Convert(f.At(x, y)).(color.RGBA)]
		}
	}
}
