package viz

import (
	"image"
	"image/color"
	"sort"
)

// quantize maps frames onto one palette of at most 256 colours: the 256
// most frequent colours of all frames together, every other colour going to
// its nearest entry. WriteGIF then stores the frames exactly instead of
// dithering them onto the Plan 9 palette, which is both slower (it searches
// 256 colours for each of the 336,000 pixels of each frame) and grainy on
// pale backgrounds. Anti-aliased edges, the rare colours, are the only ones
// that move, by a shade. Frames that already use 256 colours or fewer are
// returned unchanged.
func quantize(frames []image.Image) []image.Image {
	count := map[uint32]int{}
	for _, f := range frames {
		eachPixel(f, func(_, _ int, c uint32) { count[c]++ })
	}
	if len(count) <= 256 {
		return frames
	}
	colours := make([]uint32, 0, len(count))
	for c := range count {
		colours = append(colours, c)
	}
	// Most frequent first; ties by value, so that the result never depends
	// on map order.
	sort.Slice(colours, func(i, j int) bool {
		a, b := colours[i], colours[j]
		if count[a] != count[b] {
			return count[a] > count[b]
		}
		return a < b
	})
	pal := make(color.Palette, 256)
	index := make(map[uint32]uint8, len(colours))
	for i, c := range colours[:256] {
		pal[i] = unpack(c)
		index[c] = uint8(i)
	}
	for _, c := range colours[256:] {
		index[c] = uint8(pal.Index(unpack(c)))
	}
	out := make([]image.Image, len(frames))
	for i, f := range frames {
		b := f.Bounds()
		pm := image.NewPaletted(b, pal)
		eachPixel(f, func(x, y int, c uint32) { pm.Pix[pm.PixOffset(x, y)] = index[c] })
		out[i] = pm
	}
	return out
}

// eachPixel calls fn with every pixel of img as packed RGBA, with a fast path
// for the *image.RGBA that plots render to.
func eachPixel(img image.Image, fn func(x, y int, c uint32)) {
	b := img.Bounds()
	if m, ok := img.(*image.RGBA); ok {
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := b.Min.X; x < b.Max.X; x++ {
				p := row[4*(x-b.Min.X):]
				fn(x, y, uint32(p[0])<<24|uint32(p[1])<<16|uint32(p[2])<<8|uint32(p[3]))
			}
		}
		return
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			fn(x, y, uint32(c.R)<<24|uint32(c.G)<<16|uint32(c.B)<<8|uint32(c.A))
		}
	}
}

func unpack(c uint32) color.RGBA {
	return color.RGBA{R: uint8(c >> 24), G: uint8(c >> 16), B: uint8(c >> 8), A: uint8(c)}
}
