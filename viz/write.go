package viz

import (
	"bytes"
	"github.com/pkg/errors"
	"gonum.org/v1/plot/vg"
	"image"
	"image/png"

	"github.com/gradgraph/gradgraph/internal/atomicfile"
	"gonum.org/v1/plot/vg/vgimg"
)

// dpi is the resolution of every rendered plot. Sizes in this package are
// given in pixels and converted with px, so the PNG dimensions are exact and
// testable rather than derived from lengths in points.
const dpi = 96

// px converts a pixel count to a vg.Length at dpi.
func px(n int) vg.Length { return vg.Length(n) * vg.Inch / dpi }

// newCanvas returns a white image canvas of w×h pixels.
func newCanvas(w, h int) *vgimg.Canvas {
	return vgimg.NewWith(vgimg.UseWH(px(w), px(h)), vgimg.UseDPI(dpi))
}

// encodePNG encodes img in memory, so that nothing touches the disk until the
// whole image is known to be good.
func encodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, errors.Wrap(err, "encoding png")
	}
	return buf.Bytes(), nil
}

// savePNG encodes img and writes it atomically to path.
func savePNG(path string, img image.Image) error {
	b, err := encodePNG(img)
	if err != nil {
		return err
	}
	return writeFile(path, b)
}

// writeFile writes data to path atomically: a reader (or a crashed run)
// never sees a truncated image, and an existing file at path survives any
// failure.
func writeFile(path string, data []byte) error { return atomicfile.WriteBytes(path, data) }
