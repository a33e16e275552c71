package viz

import (
	"image"
	"image/color"
	"math"

	"github.com/pkg/errors"
)

// maxPixels bounds the size of generated images so that a wrong scale or
// size argument returns an error instead of exhausting memory.
const maxPixels = 1 << 26

// Image writes pixels, a row-major width×height grid, as a grayscale PNG
// in the manner of matplotlib's imshow(cmap="gray"): the smallest finite
// value is black and the largest white. Each pixel becomes a scale×scale
// block, since MNIST-sized images are too small to read at scale 1. NaN
// pixels are drawn black. A constant image is black, as in matplotlib.
//
// Use ImageRange to put several images on one fixed scale.
func Image(path string, pixels []float64, width, height, scale int) error {
	lo, hi, err := valueRange(pixels)
	if err != nil {
		return errors.Wrap(err, "viz: image")
	}
	return ImageRange(path, pixels, width, height, scale, lo, hi)
}

// ImageRange is like Image but maps the fixed range [lo, hi] to
// black..white, clamping values outside it. For pixels scaled to [0, 1]
// this shows a faint digit as faint, where Image would stretch it to full
// contrast.
func ImageRange(path string, pixels []float64, width, height, scale int, lo, hi float64) error {
	img, err := GrayImage(pixels, width, height, scale, lo, hi)
	if err != nil {
		return errors.Wrap(err, "viz: image")
	}
	return errors.Wrap(savePNG(path, img), "viz: image")
}

// GrayImage returns the image that ImageRange writes, for callers that
// compose images themselves.
func GrayImage(pixels []float64, width, height, scale int, lo, hi float64) (*image.Gray, error) {
	if width <= 0 || height <= 0 {
		return nil, errors.Errorf("size %d×%d is not positive", width, height)
	}
	if len(pixels) != width*height {
		return nil, errors.Errorf("%d pixels for a %d×%d image", len(pixels), width, height)
	}
	if scale < 1 {
		return nil, errors.Errorf("scale %d is less than 1", scale)
	}
	if width*scale > maxPixels/(height*scale) {
		return nil, errors.Errorf("%d×%d at scale %d is too large", width, height, scale)
	}
	if !finite(lo) || !finite(hi) || lo > hi {
		return nil, errors.Errorf("invalid range [%v, %v]", lo, hi)
	}
	img := image.NewGray(image.Rect(0, 0, width*scale, height*scale))
	for y := 0; y < height; y++ {
		for x := 0; x < width; x++ {
			g := color.Gray{Y: grayLevel(pixels[y*width+x], lo, hi)}
			for dy := 0; dy < scale; dy++ {
				row := (y*scale + dy) * img.Stride
				for dx := 0; dx < scale; dx++ {
					img.Pix[row+x*scale+dx] = g.Y
				}
			}
		}
	}
	return img, nil
}

// grayLevel maps v in [lo, hi] to 0..255.
func grayLevel(v, lo, hi float64) uint8 {
	if !finite(v) || hi <= lo {
		if math.IsInf(v, 1) && hi > lo {
			return 255
		}
		return 0
	}
	f := (v - lo) / (hi - lo)
	return uint8(math.Round(255 * math.Max(0, math.Min(1, f))))
}

// valueRange returns the smallest and largest finite values of v.
func valueRange(v []float64) (lo, hi float64, err error) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range v {
		if finite(x) {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
	}
	if lo > hi {
		return 0, 0, errors.Errorf("no finite value among %d", len(v))
	}
	return lo, hi, nil
}
