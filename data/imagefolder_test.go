package data

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pkg/errors"
)

// writeImage encodes img as format ("png", "jpeg" or "gif") at path,
// making the folders on the way.
func writeImage(t testing.TB, path string, img image.Image, format string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&buf, img)
	case "jpeg":
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 100})
	case "gif":
		err = gif.Encode(&buf, img, nil)
	default:
		t.Fatalf("format %q", format)
	}
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, buf.Bytes())
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// grayImage makes a w×h grey image from row-major values.
func grayImage(w, h int, v ...byte) *image.Gray {
	m := image.NewGray(image.Rect(0, 0, w, h))
	copy(m.Pix, v)
	return m
}

// pngBytes encodes img as PNG.
func pngBytes(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pngHeader returns a PNG file whose header declares a w×h 8-bit grey
// image, followed by a tiny IDAT and IEND: what a decompression bomb
// looks like before decoding.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 0 // 8-bit greyscale
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

// indexedFolder writes n 2×2 grey PNGs spread over classes, image k
// holding the bytes k, k+1, k+2, k+3 (mod 256), named by k so that path
// order within a class is k's order.
func indexedFolder(t testing.TB, dir string, n int, classes ...string) {
	t.Helper()
	for k := 0; k < n; k++ {
		b := byte(k)
		writeImage(t, filepath.Join(dir, classes[k%len(classes)], fmt.Sprintf("img%03d.png", k)), grayImage(2, 2, b, b+1, b+2, b+3), "png")
	}
}

// TestImageFolderClassesAndOrder: classes are the folder names sorted
// (whatever order they were made in), images come by class then path,
// nested folders belong to their class, other files and dot-names are
// ignored, and the set is a Source of the shape (H, W, C) with pixels
// scaled by 1/255.
func TestImageFolderClassesAndOrder(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, filepath.Join(dir, "zebra", "b.png"), grayImage(2, 1, 1, 2), "png")
	writeImage(t, filepath.Join(dir, "zebra", "a.png"), grayImage(2, 1, 3, 4), "png")
	writeImage(t, filepath.Join(dir, "ant", "sub", "c.png"), grayImage(2, 1, 5, 6), "png")
	writeImage(t, filepath.Join(dir, "Moth", "x.PNG"), grayImage(2, 1, 7, 8), "png")
	writeFile(t, filepath.Join(dir, "ant", "notes.txt"), []byte("not an image"))
	writeFile(t, filepath.Join(dir, "ant", ".hidden.png"), []byte("junk"))
	writeFile(t, filepath.Join(dir, ".git", "x.png"), []byte("junk"))
	writeFile(t, filepath.Join(dir, "readme.md"), []byte("top-level files are not classes"))

	s, err := ImageFolder(dir, ImageFolderOptions{Grayscale: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Moth", "ant", "zebra"}; !reflect.DeepEqual(s.Classes(), want) {
		t.Fatalf("classes %q, want %q (sorted, byte order)", s.Classes(), want)
	}
	wantFiles := []string{
		filepath.Join(dir, "Moth", "x.PNG"), filepath.Join(dir, "ant", "sub", "c.png"),
		filepath.Join(dir, "zebra", "a.png"), filepath.Join(dir, "zebra", "b.png"),
	}
	if !reflect.DeepEqual(s.Files, wantFiles) {
		t.Fatalf("files %q, want %q", s.Files, wantFiles)
	}
	if want := []byte{0, 1, 2, 2}; !bytes.Equal(s.Labels(), want) {
		t.Errorf("labels %v, want %v", s.Labels(), want)
	}
	if want := []byte{7, 8, 5, 6, 3, 4, 1, 2}; !bytes.Equal(s.im.pix, want) {
		t.Errorf("pixels %v, want %v", s.im.pix, want)
	}
	if got := ShapeOf(s); !reflect.DeepEqual(got, []int{1, 2, 1}) {
		t.Errorf("ShapeOf %v, want [1 2 1]", got)
	}
	if s.Features() != 2 || s.NumClasses() != 3 || s.TargetWidth() != 1 || s.Len() != 4 {
		t.Errorf("features %d, classes %d, target width %d, len %d", s.Features(), s.NumClasses(), s.TargetWidth(), s.Len())
	}
	x, y := make([]float32, 4), make([]float32, 2)
	s.Fill([]int{3, 1}, x, y)
	if want := []float32{1. / 255, 2. / 255, 5. / 255, 6. / 255}; !reflect.DeepEqual(x, want) {
		t.Errorf("Fill x %v, want %v", x, want)
	}
	if want := []float32{2, 1}; !reflect.DeepEqual(y, want) {
		t.Errorf("Fill y %v, want %v", y, want)
	}
	if s.Name != filepath.Base(dir) || !strings.Contains(s.String(), "4 images 1x2x1, 3 classes") {
		t.Errorf("name %q, string %q", s.Name, s.String())
	}

	// ClassNames given: their order is the label order.
	s2, err := ImageFolder(dir, ImageFolderOptions{Grayscale: true, ClassNames: []string{"zebra", "ant", "Moth"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{0, 0, 1, 2}; !bytes.Equal(s2.Labels(), want) {
		t.Errorf("labels with ClassNames %v, want %v", s2.Labels(), want)
	}
	if want := filepath.Join(dir, "zebra", "a.png"); s2.Files[0] != want {
		t.Errorf("first file with ClassNames %s, want %s", s2.Files[0], want)
	}
}

// rgbImages is an RGB LabeledImages for the round-trip test.
type rgbImages struct {
	h, w    int
	pix     []byte
	labels  []int
	classes []string
}

func (r *rgbImages) Len() int            { return len(r.labels) }
func (r *rgbImages) Shape() []int        { return []int{r.h, r.w, 3} }
func (r *rgbImages) Pixels(i int) []byte { f := r.h * r.w * 3; return r.pix[i*f : (i+1)*f] }
func (r *rgbImages) Label(i int) int     { return r.labels[i] }
func (r *rgbImages) Classes() []string   { return r.classes }

// TestImageFolderRoundTrip: WriteImageFolder then ImageFolder gives the
// same pixels bit for bit (PNG is lossless), grey and RGB; through the
// class folders grouped by class, through labels.csv in the original
// order with the original labels.
func TestImageFolderRoundTrip(t *testing.T) {
	const n, h, w = 23, 3, 5
	classes := []string{"c", "a", "b"} // not sorted: ClassNames keeps this order
	labels := make([]int, n)
	lb := make([]byte, n)
	for i := range labels {
		labels[i] = (i * 7) % 3
		lb[i] = byte(labels[i])
	}
	pixels := func(c int) []byte {
		p := make([]byte, n*h*w*c)
		for i := range p {
			p[i] = byte(i*131 + i/7)
		}
		return p
	}
	grey, err := NewImages("grey", pixels(1), h, w, lb, classes)
	if err != nil {
		t.Fatal(err)
	}
	rgb := &rgbImages{h: h, w: w, pix: pixels(3), labels: labels, classes: classes}
	for _, tc := range []struct {
		name string
		src  LabeledImages
		gray bool
	}{
		{"grey", grey, true},
		{"rgb", rgb, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "set")
			if err := WriteImageFolder(dir, tc.src, nil); err != nil {
				t.Fatal(err)
			}
			c := tc.src.Shape()[2]
			// By the class folders: grouped by class in ClassNames order,
			// by index within each class (the zero-padded names sort so).
			s, err := ImageFolder(dir, ImageFolderOptions{Grayscale: tc.gray, ClassNames: classes, Workers: 3})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s.Shape(), []int{h, w, c}) {
				t.Fatalf("shape %v, want %v", s.Shape(), []int{h, w, c})
			}
			k := 0
			for l := range classes {
				for i := 0; i < n; i++ {
					if labels[i] != l {
						continue
					}
					if s.Label(k) != l || !bytes.Equal(s.Pixels(k), tc.src.Pixels(i)) {
						t.Fatalf("folder image %d (%s): label %d pixels %v, want image %d: label %d pixels %v",
							k, s.Files[k], s.Label(k), s.Pixels(k), i, l, tc.src.Pixels(i))
					}
					if want := filepath.Join(dir, classes[l], fmt.Sprintf("%05d.png", i)); s.Files[k] != want {
						t.Fatalf("folder image %d is %s, want %s", k, s.Files[k], want)
					}
					k++
				}
			}
			if k != n || s.Len() != n {
				t.Fatalf("%d images, want %d", s.Len(), n)
			}
			// Through labels.csv: the original order and labels.
			s, err = ImageFolder(dir, ImageFolderOptions{Grayscale: tc.gray, ClassNames: classes, LabelsCSV: filepath.Join(dir, ImageFolderLabelsFile)})
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < n; i++ {
				if s.Label(i) != labels[i] || !bytes.Equal(s.Pixels(i), tc.src.Pixels(i)) {
					t.Fatalf("csv image %d: label %d pixels %v, want label %d pixels %v", i, s.Label(i), s.Pixels(i), labels[i], tc.src.Pixels(i))
				}
			}
			// Without ClassNames the classes come sorted and labels follow.
			s, err = ImageFolder(dir, ImageFolderOptions{Grayscale: tc.gray, LabelsCSV: filepath.Join(dir, ImageFolderLabelsFile)})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s.Classes(), []string{"a", "b", "c"}) {
				t.Fatalf("classes %q, want sorted", s.Classes())
			}
			for i := 0; i < n; i++ {
				if s.Classes()[s.Label(i)] != classes[labels[i]] {
					t.Fatalf("csv image %d: class %q, want %q", i, s.Classes()[s.Label(i)], classes[labels[i]])
				}
			}
		})
	}
}

// TestImageFolderFormats: PNG (grey, RGB, RGBA with alpha), JPEG and GIF
// read as grey and as RGB. Grey from colour is PIL's convert("L")
// (red 76, green 150, blue 29); alpha is dropped, not premultiplied; a
// flat JPEG comes back within a few levels (lossy, chroma subsampled).
func TestImageFolderFormats(t *testing.T) {
	nrgba := image.NewNRGBA(image.Rect(0, 0, 4, 1))
	copy(nrgba.Pix, []byte{255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 200, 100, 50, 128})
	rgba := image.NewRGBA(image.Rect(0, 0, 4, 1)) // opaque: PNG stores it as RGB
	copy(rgba.Pix, []byte{255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 10, 20, 30, 255})
	pal := image.NewPaletted(image.Rect(0, 0, 4, 1), color.Palette{
		color.RGBA{0, 0, 0, 255}, color.RGBA{255, 0, 0, 255}, color.RGBA{0, 255, 0, 255}, color.RGBA{10, 20, 30, 255},
	})
	copy(pal.Pix, []byte{1, 2, 3, 0})
	flatGray := image.NewGray(image.Rect(0, 0, 16, 16))
	for i := range flatGray.Pix {
		flatGray.Pix[i] = 128
	}
	flatRGB := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := 0; i < len(flatRGB.Pix); i += 4 {
		copy(flatRGB.Pix[i:], []byte{200, 100, 50, 255})
	}
	repeat := func(px []byte, n int) []byte { return bytes.Repeat(px, n) }
	for _, tc := range []struct {
		name     string
		img      image.Image
		format   string
		gray     []byte // want, read as grey
		rgb      []byte // want, read as RGB
		tolerate int
	}{
		{"png grey", grayImage(4, 1, 0, 1, 128, 255), "png", []byte{0, 1, 128, 255},
			[]byte{0, 0, 0, 1, 1, 1, 128, 128, 128, 255, 255, 255}, 0},
		{"png rgb", rgba, "png", []byte{76, 150, 29, 18},
			[]byte{255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30}, 0},
		{"png rgba alpha dropped", nrgba, "png", []byte{76, 150, 29, 124},
			[]byte{255, 0, 0, 0, 255, 0, 0, 0, 255, 200, 100, 50}, 0},
		{"gif palette", pal, "gif", []byte{76, 150, 18, 0},
			[]byte{255, 0, 0, 0, 255, 0, 10, 20, 30, 0, 0, 0}, 0},
		{"jpeg grey", flatGray, "jpeg", repeat([]byte{128}, 256), repeat([]byte{128, 128, 128}, 256), 1},
		{"jpeg rgb", flatRGB, "jpeg", repeat([]byte{124}, 256), repeat([]byte{200, 100, 50}, 256), 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			ext := map[string]string{"png": ".png", "jpeg": ".jpg", "gif": ".gif"}[tc.format]
			writeImage(t, filepath.Join(dir, "a", "x"+ext), tc.img, tc.format)
			writeImage(t, filepath.Join(dir, "b", "y"+ext), tc.img, tc.format)
			for _, gray := range []bool{true, false} {
				s, err := ImageFolder(dir, ImageFolderOptions{Grayscale: gray})
				if err != nil {
					t.Fatal(err)
				}
				want := tc.rgb
				if gray {
					want = tc.gray
				}
				got := s.Pixels(0)
				if len(got) != len(want) {
					t.Fatalf("grey %v: %d bytes, want %d", gray, len(got), len(want))
				}
				for i := range got {
					if d := int(got[i]) - int(want[i]); d > tc.tolerate || d < -tc.tolerate {
						t.Fatalf("grey %v: byte %d is %d, want %d ± %d (all: %v)", gray, i, got[i], want[i], tc.tolerate, got[:min(len(got), 12)])
					}
				}
			}
		})
	}
}

// TestImageFolderGIFFrame: a GIF whose first frame covers only part of its
// logical screen is read at the screen's size, palette entry 0 around
// the frame.
func TestImageFolderGIFFrame(t *testing.T) {
	dir := t.TempDir()
	frame := image.NewPaletted(image.Rect(1, 0, 3, 2), color.Palette{color.Gray{0}, color.Gray{255}})
	for i := range frame.Pix {
		frame.Pix[i] = 1
	}
	var buf bytes.Buffer
	err := gif.EncodeAll(&buf, &gif.GIF{Image: []*image.Paletted{frame}, Delay: []int{0},
		Config: image.Config{ColorModel: frame.Palette, Width: 4, Height: 2}})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "a", "f.gif"), buf.Bytes())
	writeImage(t, filepath.Join(dir, "b", "g.png"), grayImage(4, 2, make([]byte, 8)...), "png")
	s, err := ImageFolder(dir, ImageFolderOptions{Grayscale: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{0, 255, 255, 0, 0, 255, 255, 0}; !bytes.Equal(s.Pixels(0), want) {
		t.Errorf("pixels %v, want %v", s.Pixels(0), want)
	}
}

// TestImageFolderResize: exact values of resizing hand-made images.
// Bilinear samples at half-pixel centres without antialiasing, as
// tf.image.resize does; x/image computes in 16 bits (v·257) and truncates,
// so the byte is floor(r·257/256) for the exact interpolated value r.
func TestImageFolderResize(t *testing.T) {
	// 2x2 -> 4x4: per axis the weights are (1, 0), (3/4, 1/4), (1/4, 3/4),
	// (0, 1). Top row 0..200: 0, 50, 150, 200; bottom row 100..40: 100,
	// 85, 55, 40; rows between at 3/4 and 1/4. 58.75 truncates to 58,
	// 78.75 gives 79 (78.75·257/256 = 79.06), 126.25 gives 126.
	up := grayImage(2, 2, 0, 200, 100, 40)
	upWant := []byte{
		0, 50, 150, 200,
		25, 58, 126, 160,
		75, 76, 79, 80,
		100, 85, 55, 40,
	}
	// 4x4 -> 2x2: each target pixel samples the centre of a 2x2 block: its
	// mean. 25; 50.25 -> 50; 200; 8.5 -> 8.
	down := grayImage(4, 4,
		10, 20, 100, 101,
		30, 40, 0, 0,
		200, 200, 7, 8,
		200, 200, 9, 10)
	downWant := []byte{25, 50, 200, 8}
	// Nearest: 2x2 -> 4x4 repeats each pixel in a 2x2 block; 4x4 -> 2x2
	// takes pixels (1, 1), (3, 1), (1, 3), (3, 3).
	upNearest := []byte{
		0, 0, 200, 200,
		0, 0, 200, 200,
		100, 100, 40, 40,
		100, 100, 40, 40,
	}
	downNearest := []byte{40, 0, 200, 10}
	// RGB: the channels are resized each on its own: R carries the grey
	// pattern, G is 0 and B a constant 77.
	rgbOf := func(g *image.Gray) *image.RGBA {
		m := image.NewRGBA(g.Rect)
		for i, v := range g.Pix {
			copy(m.Pix[4*i:], []byte{v, 0, 77, 255})
		}
		return m
	}
	rgbWant := func(r []byte) []byte {
		var out []byte
		for _, v := range r {
			out = append(out, v, 0, 77)
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		img    image.Image
		format string
		w, h   int
		interp Interpolation
		gray   bool
		want   []byte
	}{
		{"bilinear up", up, "png", 4, 4, Bilinear, true, upWant},
		{"bilinear down", down, "png", 2, 2, Bilinear, true, downWant},
		{"nearest up", up, "png", 4, 4, Nearest, true, upNearest},
		{"nearest down", down, "png", 2, 2, Nearest, true, downNearest},
		{"bilinear up rgb", rgbOf(up), "png", 4, 4, Bilinear, false, rgbWant(upWant)},
		{"bilinear down rgb", rgbOf(down), "png", 2, 2, Bilinear, false, rgbWant(downWant)},
		{"bilinear up grey read as rgb", up, "png", 4, 4, Bilinear, false, rgbWant3(upWant)},
		{"bilinear up gif", toPaletted(up), "gif", 4, 4, Bilinear, true, upWant},
		{"same size kept", up, "png", 2, 2, Bilinear, true, []byte{0, 200, 100, 40}},
		{"width only", down, "png", 2, 4, Bilinear, true, []byte{
			// rows kept, columns 2-block means: 15, 100.5 -> 100 (100.5·257/256 = 100.89)...
			15, 100, 35, 0, 200, 7, 200, 9}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			ext := "." + tc.format
			writeImage(t, filepath.Join(dir, "a", "x"+ext), tc.img, tc.format)
			// A second class of another size: resizing makes sizes agree.
			writeImage(t, filepath.Join(dir, "b", "y.png"), grayImage(3, 5, make([]byte, 15)...), "png")
			s, err := ImageFolder(dir, ImageFolderOptions{Width: tc.w, Height: tc.h, Interpolation: tc.interp, Grayscale: tc.gray})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(s.Pixels(0), tc.want) {
				t.Fatalf("resized to %dx%d: %v, want %v", tc.w, tc.h, s.Pixels(0), tc.want)
			}
			if s.Height() != tc.h || s.Width() != tc.w {
				t.Fatalf("size %dx%d, want %dx%d", s.Width(), s.Height(), tc.w, tc.h)
			}
		})
	}
}

func rgbWant3(g []byte) []byte {
	var out []byte
	for _, v := range g {
		out = append(out, v, v, v)
	}
	return out
}

// toPaletted puts a grey image in a 256-grey palette (GIF's form).
func toPaletted(g *image.Gray) *image.Paletted {
	pal := make(color.Palette, 256)
	for i := range pal {
		pal[i] = color.Gray{uint8(i)}
	}
	m := image.NewPaletted(g.Rect, pal)
	copy(m.Pix, g.Pix)
	return m
}

// TestImageFolderErrors: folder and option mistakes are errors a user
// understands, naming the folder or file and what to do.
func TestImageFolderErrors(t *testing.T) {
	img := func(w, h int) image.Image { return grayImage(w, h, make([]byte, w*h)...) }
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string) ImageFolderOptions
		want  []string // substrings of the message; "DIR" stands for the folder
	}{
		{"empty folder", func(t *testing.T, dir string) ImageFolderOptions {
			return ImageFolderOptions{}
		}, []string{"DIR: no images at all", "one subfolder per class"}},
		{"images but no class folders", func(t *testing.T, dir string) ImageFolderOptions {
			writeImage(t, filepath.Join(dir, "a.png"), img(2, 2), "png")
			return ImageFolderOptions{}
		}, []string{"no class folders, but 1 images directly in it", "LabelsCSV"}},
		{"no images in any class", func(t *testing.T, dir string) ImageFolderOptions {
			writeFile(t, filepath.Join(dir, "a", "x.bmp"), []byte("BM"))
			os.MkdirAll(filepath.Join(dir, "b"), 0o755)
			return ImageFolderOptions{}
		}, []string{"no images at all in its 2 class folders (a, b)", "x.bmp", "none named .png"}},
		{"empty class folder", func(t *testing.T, dir string) ImageFolderOptions {
			writeImage(t, filepath.Join(dir, "a", "1.png"), img(2, 2), "png")
			os.MkdirAll(filepath.Join(dir, "b", "nested"), 0o755)
			writeImage(t, filepath.Join(dir, "c", "1.png"), img(2, 2), "png")
			return ImageFolderOptions{}
		}, []string{"class folder DIR/b has no images", "remove it or add images"}},
		{"one class", func(t *testing.T, dir string) ImageFolderOptions {
			writeImage(t, filepath.Join(dir, "cats", "1.png"), img(2, 2), "png")
			return ImageFolderOptions{}
		}, []string{"one class folder only (\"cats\")", "at least two"}},
		{"mixed sizes", func(t *testing.T, dir string) ImageFolderOptions {
			writeImage(t, filepath.Join(dir, "a", "1.png"), img(2, 2), "png")
			writeImage(t, filepath.Join(dir, "a", "2.png"), img(2, 2), "png")
			writeImage(t, filepath.Join(dir, "b", "1.png"), img(3, 2), "png")
			return ImageFolderOptions{Workers: 2}
		}, []string{"images differ in size: DIR/a/1.png is 2x2, DIR/b/1.png is 3x2", "set Width and Height"}},
		{"mixed sizes, first skipped", func(t *testing.T, dir string) ImageFolderOptions {
			writeFile(t, filepath.Join(dir, "a", "0.png"), []byte("junk"))
			writeImage(t, filepath.Join(dir, "a", "1.png"), img(4, 1), "png")
			writeImage(t, filepath.Join(dir, "b", "1.png"), img(1, 4), "png")
			return ImageFolderOptions{OnBadFile: SkipBadFiles}
		}, []string{"DIR/a/1.png is 4x1, DIR/b/1.png is 1x4"}},
		{"class names do not match", func(t *testing.T, dir string) ImageFolderOptions {
			writeImage(t, filepath.Join(dir, "a", "1.png"), img(2, 2), "png")
			writeImage(t, filepath.Join(dir, "b", "1.png"), img(2, 2), "png")
			return ImageFolderOptions{ClassNames: []string{"a", "c"}}
		}, []string{"no folder for [\"c\"]", "folders not in ClassNames: [\"b\"]"}},
		{"csv names a missing file", func(t *testing.T, dir string) ImageFolderOptions {
			writeImage(t, filepath.Join(dir, "1.png"), img(2, 2), "png")
			writeFile(t, filepath.Join(dir, "l.csv"), []byte("filename,label\n1.png,cat\nmissing/2.png,dog\n"))
			return ImageFolderOptions{LabelsCSV: filepath.Join(dir, "l.csv")}
		}, []string{"DIR/l.csv:3: file \"missing/2.png\" does not exist in DIR"}},
		{"csv class not in the list", func(t *testing.T, dir string) ImageFolderOptions {
			writeImage(t, filepath.Join(dir, "1.png"), img(2, 2), "png")
			writeImage(t, filepath.Join(dir, "2.png"), img(2, 2), "png")
			writeFile(t, filepath.Join(dir, "l.csv"), []byte("1.png,cat\n2.png,dgo\n"))
			return ImageFolderOptions{LabelsCSV: filepath.Join(dir, "l.csv"), ClassNames: []string{"cat", "dog"}}
		}, []string{"DIR/l.csv:2: class \"dgo\" of \"2.png\" is not one of the 2 ClassNames [\"cat\" \"dog\"]"}},
		{"csv class with no rows", func(t *testing.T, dir string) ImageFolderOptions {
			writeImage(t, filepath.Join(dir, "1.png"), img(2, 2), "png")
			writeImage(t, filepath.Join(dir, "2.png"), img(2, 2), "png")
			writeFile(t, filepath.Join(dir, "l.csv"), []byte("1.png,cat\n2.png,dog\n"))
			return ImageFolderOptions{LabelsCSV: filepath.Join(dir, "l.csv"), ClassNames: []string{"cat", "dog", "eel"}}
		}, []string{"class \"eel\" has no images"}},
		{"csv one class", func(t *testing.T, dir string) ImageFolderOptions {
			writeImage(t, filepath.Join(dir, "1.png"), img(2, 2), "png")
			writeFile(t, filepath.Join(dir, "l.csv"), []byte("1.png,cat\n"))
			return ImageFolderOptions{LabelsCSV: filepath.Join(dir, "l.csv")}
		}, []string{"one class only (\"cat\")"}},
		{"csv file twice", func(t *testing.T, dir string) ImageFolderOptions {
			writeImage(t, filepath.Join(dir, "1.png"), img(2, 2), "png")
			writeFile(t, filepath.Join(dir, "l.csv"), []byte("1.png,cat\n./1.png,dog\n"))
			return ImageFolderOptions{LabelsCSV: filepath.Join(dir, "l.csv")}
		}, []string{"l.csv:2: \"./1.png\" is labelled again (first on line 1)"}},
		{"csv path outside the folder", func(t *testing.T, dir string) ImageFolderOptions {
			writeFile(t, filepath.Join(dir, "l.csv"), []byte("../x.png,cat\n"))
			return ImageFolderOptions{LabelsCSV: filepath.Join(dir, "l.csv")}
		}, []string{"l.csv:1: filename \"../x.png\" is not a path inside DIR"}},
		{"csv wrong field count", func(t *testing.T, dir string) ImageFolderOptions {
			writeFile(t, filepath.Join(dir, "l.csv"), []byte("filename,label\na.png,cat,extra\n"))
			return ImageFolderOptions{LabelsCSV: filepath.Join(dir, "l.csv")}
		}, []string{"l.csv:2: 3 fields, want 2"}},
		{"csv empty", func(t *testing.T, dir string) ImageFolderOptions {
			writeFile(t, filepath.Join(dir, "l.csv"), []byte("filename,label\n"))
			return ImageFolderOptions{LabelsCSV: filepath.Join(dir, "l.csv")}
		}, []string{"l.csv: no images at all"}},
		{"not a folder", func(t *testing.T, dir string) ImageFolderOptions {
			return ImageFolderOptions{} // dir is replaced below
		}, []string{"no such file or directory"}},
		{"width without height", func(t *testing.T, dir string) ImageFolderOptions {
			return ImageFolderOptions{Width: 3}
		}, []string{"target size 3x0: give both Width and Height"}},
		{"split without subset", func(t *testing.T, dir string) ImageFolderOptions {
			return ImageFolderOptions{ValidationSplit: 0.2}
		}, []string{"ValidationSplit 0.2 needs Subset \"training\" or \"validation\""}},
		{"split out of range", func(t *testing.T, dir string) ImageFolderOptions {
			return ImageFolderOptions{ValidationSplit: 1.5, Subset: SubsetTraining}
		}, []string{"ValidationSplit 1.5 outside (0, 1)"}},
		{"split leaves no validation", func(t *testing.T, dir string) ImageFolderOptions {
			indexedFolder(t, dir, 4, "a", "b")
			return ImageFolderOptions{ValidationSplit: 0.2, Subset: SubsetTraining}
		}, []string{"ValidationSplit 0.2 of 4 images leaves 4 for training and 0 for validation"}},
		{"over MaxTotalBytes", func(t *testing.T, dir string) ImageFolderOptions {
			indexedFolder(t, dir, 4, "a", "b")
			return ImageFolderOptions{Width: 10, Height: 10, MaxTotalBytes: 1000}
		}, []string{"4 images of 10x10x3 (height x width x channels) take 1200 bytes, more than MaxTotalBytes 1000"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			opt := tc.setup(t, dir)
			if tc.name == "not a folder" {
				dir = filepath.Join(dir, "nowhere")
			}
			var s *ImageFolderSet
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic: %v", r)
					}
				}()
				s, err = ImageFolder(dir, opt)
			}()
			if err == nil {
				t.Fatalf("no error; got %v", s)
			}
			for _, w := range tc.want {
				w = strings.ReplaceAll(w, "DIR", dir)
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

// badFolder writes a folder with good images and one bad file of each
// kind, and returns the bad files' paths (in path order) with a word of
// their reasons.
func badFolder(t testing.TB, dir string) (good int, bad [][2]string) {
	t.Helper()
	ok := pngBytes(t, grayImage(2, 2, 1, 2, 3, 4))
	for i := 0; i < 3; i++ {
		writeFile(t, filepath.Join(dir, "a", fmt.Sprintf("ok%d.png", i)), ok)
		writeFile(t, filepath.Join(dir, "b", fmt.Sprintf("ok%d.png", i)), ok)
	}
	add := func(rel string, b []byte, why string) {
		writeFile(t, filepath.Join(dir, rel), b)
		bad = append(bad, [2]string{filepath.Join(dir, rel), why})
	}
	add("a/bomb.png", pngHeader(100000, 100000), "declares 100000x100000 = 10000000000 pixels, more than MaxImagePixels")
	corrupt := bytes.Clone(ok)
	corrupt[len(corrupt)-20] ^= 0xff // in IDAT: the chunk's checksum fails
	add("a/corrupt.png", corrupt, "corrupt or truncated png")
	add("a/deep.png", pngBytes(t, image.NewGray16(image.Rect(0, 0, 2, 2))), "decode to 8 bytes, more than MaxImageBytes 6")
	add("a/text.jpg", []byte("this is not a JPEG"), "not a PNG, JPEG or GIF image")
	add("b/big.png", append(bytes.Clone(ok), make([]byte, 300)...), "bytes is more than MaxFileBytes 300")
	if err := os.Symlink(filepath.Join(dir, "nowhere.png"), filepath.Join(dir, "b", "dangling.png")); err != nil {
		t.Fatal(err)
	}
	bad = append(bad, [2]string{filepath.Join(dir, "b", "dangling.png"), "cannot open: no such file"})
	add("b/truncated.png", ok[:len(ok)/2+10], "corrupt or truncated png")
	return 6, bad
}

// TestImageFolderBadFiles: each kind of bad file is refused, naming the
// first in path order, or skipped and listed with its path and reason;
// the good images are all there.
func TestImageFolderBadFiles(t *testing.T) {
	dir := t.TempDir()
	good, bad := badFolder(t, dir)
	limits := ImageFolderOptions{Grayscale: true, MaxFileBytes: 300, MaxImageBytes: 6}

	_, err := ImageFolder(dir, limits)
	if err == nil || !strings.Contains(err.Error(), bad[0][0]+": ") || !strings.Contains(err.Error(), bad[0][1]) ||
		!strings.Contains(err.Error(), "SkipBadFiles") {
		t.Fatalf("refusing: error %v, want one naming %s: %s", err, bad[0][0], bad[0][1])
	}
	var bi BadImage
	if !errors.As(err, &bi) || bi.Path != bad[0][0] {
		t.Errorf("refusing: errors.As BadImage gives %+v, want the path %s", bi, bad[0][0])
	}

	skip := limits
	skip.OnBadFile = SkipBadFiles
	s, err := ImageFolder(dir, skip)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != good {
		t.Errorf("%d images kept, want %d", s.Len(), good)
	}
	for i := 0; i < s.Len(); i++ {
		if !bytes.Equal(s.Pixels(i), []byte{1, 2, 3, 4}) || !strings.Contains(filepath.Base(s.Files[i]), "ok") {
			t.Errorf("kept image %d %s: %v", i, s.Files[i], s.Pixels(i))
		}
	}
	if len(s.Skipped) != len(bad) {
		t.Fatalf("skipped %v, want %d files", s.Skipped, len(bad))
	}
	for i, b := range bad {
		if s.Skipped[i].Path != b[0] || !strings.Contains(s.Skipped[i].Err.Error(), b[1]) {
			t.Errorf("skipped %d: %v, want %s: ...%s...", i, s.Skipped[i], b[0], b[1])
		}
		if s.Skipped[i].Error() != b[0]+": "+s.Skipped[i].Err.Error() {
			t.Errorf("skipped %d reads %q", i, s.Skipped[i].Error())
		}
	}

	// All of a class bad: an error, not a class without images.
	dir2 := t.TempDir()
	writeImage(t, filepath.Join(dir2, "a", "1.png"), grayImage(1, 1, 9), "png")
	writeFile(t, filepath.Join(dir2, "b", "1.png"), []byte("x"))
	writeFile(t, filepath.Join(dir2, "b", "2.png"), []byte("y"))
	_, err = ImageFolder(dir2, ImageFolderOptions{OnBadFile: SkipBadFiles})
	if err == nil || !strings.Contains(err.Error(), `class "b": all its 2 files in `) || !strings.Contains(err.Error(), filepath.Join(dir2, "b", "1.png")) {
		t.Errorf("a class of bad files: %v", err)
	}
	// Every file bad.
	writeFile(t, filepath.Join(dir2, "a", "1.png"), []byte("z"))
	_, err = ImageFolder(dir2, ImageFolderOptions{OnBadFile: SkipBadFiles})
	if err == nil || !strings.Contains(err.Error(), "none of the 3 image files could be read") {
		t.Errorf("every file bad: %v", err)
	}
}

// TestImageFolderBombNotDecoded: a PNG whose header declares 100000 x
// 100000 pixels (10 GB decoded) is refused from its header: reading the
// folder allocates a few kilobytes, not gigabytes.
func TestImageFolderBombNotDecoded(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a", "bomb.png"), pngHeader(100000, 100000))
	writeImage(t, filepath.Join(dir, "a", "ok.png"), grayImage(1, 1, 5), "png")
	writeImage(t, filepath.Join(dir, "b", "ok.png"), grayImage(1, 1, 6), "png")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ImageFolder(dir, ImageFolderOptions{Grayscale: true})
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "a", "bomb.png")) || !strings.Contains(err.Error(), "MaxImagePixels") {
		t.Fatalf("error %v, want the bomb refused by MaxImagePixels", err)
	}
	if d := after.TotalAlloc - before.TotalAlloc; d > 16<<20 {
		t.Errorf("reading the folder allocated %d bytes", d)
	}
	s, err := ImageFolder(dir, ImageFolderOptions{Grayscale: true, OnBadFile: SkipBadFiles})
	if err != nil || s.Len() != 2 || len(s.Skipped) != 1 {
		t.Fatalf("skipping the bomb: %v, %v", s, err)
	}
}

// TestImageFolderSplit: a seeded split is the same for the same seed,
// differs for another, is disjoint and covers every file, holds out
// floor(fraction·n) files, and ImageFolderSplit agrees with two
// ImageFolder calls. Shuffle permutes the order, the same for a seed.
func TestImageFolderSplit(t *testing.T) {
	dir := t.TempDir()
	const n = 50
	indexedFolder(t, dir, n, "a", "b", "c")
	opt := ImageFolderOptions{Grayscale: true, ValidationSplit: 0.3, Seed: 7}
	tr, va, err := ImageFolderSplit(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	if va.Len() != 15 || tr.Len() != 35 {
		t.Fatalf("%d training and %d validation images, want 35 and 15", tr.Len(), va.Len())
	}
	seen := map[string]bool{}
	for _, s := range []*ImageFolderSet{tr, va} {
		for i, f := range s.Files {
			if seen[f] {
				t.Fatalf("%s in both subsets", f)
			}
			seen[f] = true
			var k int
			fmt.Sscanf(filepath.Base(f), "img%03d.png", &k)
			if s.Pixels(i)[0] != byte(k) || s.Classes()[s.Label(i)] != []string{"a", "b", "c"}[k%3] {
				t.Fatalf("%s: pixels %v label %d", f, s.Pixels(i), s.Label(i))
			}
		}
		if !slices.IsSorted(s.Files) {
			t.Errorf("%s not in path order: %q", s.Name, s.Files)
		}
	}
	if len(seen) != n {
		t.Fatalf("%d files in the subsets, want %d", len(seen), n)
	}
	if tr.Name != filepath.Base(dir)+"/training" || va.Name != filepath.Base(dir)+"/validation" {
		t.Errorf("names %q, %q", tr.Name, va.Name)
	}
	for _, sub := range []struct {
		name string
		want *ImageFolderSet
	}{{SubsetTraining, tr}, {SubsetValidation, va}} {
		o := opt
		o.Subset = sub.name
		o.Workers = 1
		s, err := ImageFolder(dir, o)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(s.Files, sub.want.Files) || !bytes.Equal(s.im.pix, sub.want.im.pix) || !bytes.Equal(s.Labels(), sub.want.Labels()) {
			t.Errorf("ImageFolder %s differs from ImageFolderSplit's", sub.name)
		}
	}
	o := opt
	o.Seed = 8
	_, va8, err := ImageFolderSplit(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(va8.Files, va.Files) {
		t.Error("seeds 7 and 8 give the same validation files")
	}

	o = opt
	o.Shuffle = true
	trS, vaS, err := ImageFolderSplit(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	trS2, _, err := ImageFolderSplit(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(trS.Files, trS2.Files) {
		t.Error("Shuffle with one seed gives two orders")
	}
	if reflect.DeepEqual(trS.Files, tr.Files) || !sameSet(trS.Files, tr.Files) || !sameSet(vaS.Files, va.Files) {
		t.Error("Shuffle should reorder each subset, not change it")
	}
	for i, f := range trS.Files {
		var k int
		fmt.Sscanf(filepath.Base(f), "img%03d.png", &k)
		if trS.Pixels(i)[0] != byte(k) {
			t.Fatalf("shuffled image %d (%s) has pixels %v", i, f, trS.Pixels(i))
		}
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestImageFolderWorkers: the result, skipped files included, is the same
// for 1, 2, 3 and 16 workers, with resizing images of several sizes.
func TestImageFolderWorkers(t *testing.T) {
	dir := t.TempDir()
	badFolder(t, dir)
	for k := 0; k < 40; k++ {
		w, h := 1+k%5, 1+k%3
		m := image.NewNRGBA(image.Rect(0, 0, w, h))
		for i := range m.Pix {
			m.Pix[i] = byte(i*17 + k)
		}
		writeImage(t, filepath.Join(dir, []string{"a", "b", "c"}[k%3], fmt.Sprintf("%02d.png", k)), m, "png")
	}
	var first *ImageFolderSet
	for _, workers := range []int{1, 2, 3, 16} {
		s, err := ImageFolder(dir, ImageFolderOptions{Width: 3, Height: 2, OnBadFile: SkipBadFiles, Workers: workers,
			MaxFileBytes: 300, MaxImageBytes: 100})
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = s
			// deep.png, refused at MaxImageBytes 6, fits in 100.
			if s.Len() != 47 || len(s.Skipped) != 6 {
				t.Fatalf("%d images, %d skipped; want 47 and 6", s.Len(), len(s.Skipped))
			}
			continue
		}
		if !bytes.Equal(s.im.pix, first.im.pix) || !bytes.Equal(s.Labels(), first.Labels()) ||
			!reflect.DeepEqual(s.Files, first.Files) || fmt.Sprint(s.Skipped) != fmt.Sprint(first.Skipped) {
			t.Errorf("%d workers: a different result from 1 worker", workers)
		}
	}
}

// TestImageFolderTake: Take keeps pixels, labels and paths of the chosen
// images and the shape.
func TestImageFolderTake(t *testing.T) {
	dir := t.TempDir()
	indexedFolder(t, dir, 6, "a", "b")
	s, err := ImageFolder(dir, ImageFolderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := s.Take("sub", []int{4, 1})
	if err != nil {
		t.Fatal(err)
	}
	if sub.Len() != 2 || !bytes.Equal(sub.Pixels(0), s.Pixels(4)) || !bytes.Equal(sub.Pixels(1), s.Pixels(1)) ||
		sub.Label(0) != s.Label(4) || sub.Files[1] != s.Files[1] || !reflect.DeepEqual(sub.Shape(), []int{2, 2, 3}) {
		t.Errorf("Take: %v files %q", sub, sub.Files)
	}
	if _, err := s.Take("bad", []int{6}); err == nil {
		t.Error("Take of index 6 of 6: no error")
	}
}

// TestWriteImageFolderErrors: a non-empty folder and class names that
// cannot be folder names are refused before anything is written.
func TestWriteImageFolderErrors(t *testing.T) {
	im, err := NewImages("im", []byte{1, 2}, 1, 1, []byte{0, 1}, []string{"T-shirt/top", "Trouser"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name    string
		dir     string
		classes []string
		want    string
	}{
		{"slash in a class name", filepath.Join(dir, "x"), nil, `class 0 "T-shirt/top" cannot be a folder name`},
		{"dot dot", filepath.Join(dir, "x"), []string{"..", "b"}, `class 0 ".." cannot be a folder name`},
		{"duplicate", filepath.Join(dir, "x"), []string{"a", "a"}, `class name "a" given twice`},
		{"too few names", filepath.Join(dir, "x"), []string{"a"}, "1 class names for 2 classes"},
		{"not empty", filepath.Dir(dir), []string{"a", "b"}, "the folder is not empty"},
	} {
		err := WriteImageFolder(tc.dir, im, tc.classes)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x")); !os.IsNotExist(err) {
		t.Errorf("a refused write left %s behind", filepath.Join(dir, "x"))
	}
	out := filepath.Join(dir, "ok")
	if err := WriteImageFolder(out, im, []string{"T-shirt_top", "Trouser"}); err != nil {
		t.Fatal(err)
	}
	csv, err := os.ReadFile(filepath.Join(out, ImageFolderLabelsFile))
	if err != nil {
		t.Fatal(err)
	}
	if want := "filename,label\nT-shirt_top/00000.png,T-shirt_top\nTrouser/00001.png,Trouser\n"; string(csv) != want {
		t.Errorf("labels.csv %q, want %q", csv, want)
	}
}

// BenchmarkImageFolder decodes a folder of 2,000 28x28 grey PNGs in ten
// classes, reporting images decoded per second and, where it can be
// measured, the process's CPU time (user and system) per image, which
// depends less on what else loads the machine.
func BenchmarkImageFolder(b *testing.B) {
	const n = 2000
	dir := b.TempDir()
	pix := make([]byte, n*28*28)
	labels := make([]byte, n)
	for i := range pix {
		pix[i] = byte((i*7 + i/28*13) % 256 * (i % 3) / 2)
	}
	for i := range labels {
		labels[i] = byte(i % 10)
	}
	im, err := NewImages("bench", pix, 28, 28, labels, mnistSet.classes)
	if err != nil {
		b.Fatal(err)
	}
	if err := WriteImageFolder(filepath.Join(dir, "set"), im, nil); err != nil {
		b.Fatal(err)
	}
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			cpu0, ok := processCPU()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				s, err := ImageFolder(filepath.Join(dir, "set"), ImageFolderOptions{Grayscale: true, Workers: workers})
				if err != nil || s.Len() != n {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "images/s")
			if cpu1, _ := processCPU(); ok {
				b.ReportMetric(float64((cpu1-cpu0).Microseconds())/float64(n*b.N), "cpu-µs/image")
			}
		})
	}
}
