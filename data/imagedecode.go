package data

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // registers GIF with image.Decode
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/pkg/errors"
	"golang.org/x/image/draw"
)

// imageJob is one file to decode into its slot of a set's pixels.
type imageJob struct {
	file int // index into the listed files
	set  int // which of the sets
	pos  int // position in that set
}

// imageResult is what became of a job.
type imageResult struct {
	bad      error // why the file was not used, or nil
	mismatch bool  // its size differs from the reference size
	w, h     int   // its size, from the header
}

// decoder holds what every worker needs; scratch holds one worker's
// reusable buffers.
type decoder struct {
	opt    ImageFolderOptions
	c      int  // channels
	w, h   int  // size of a stored image
	resize bool // every image is resized to w×h
}

type scratch struct {
	file []byte      // a file's bytes, reused
	data []byte      // the current file's part of it
	conv []byte      // an image converted to grey or RGBA before resizing
	dst  *image.RGBA // resizing target
}

func decodeFolder(dir string, classes []string, files []folderFile, sel [][]int, names []string, opt ImageFolderOptions) ([]*ImageFolderSet, error) {
	d := &decoder{opt: opt, c: 3}
	if opt.Grayscale {
		d.c = 1
	}
	var jobs []imageJob
	for s, idx := range sel {
		for pos, i := range idx {
			jobs = append(jobs, imageJob{file: i, set: s, pos: pos})
		}
	}
	// In path order, so that the first bad file is the first in path
	// order and the workers can stop past it.
	sortJobs(jobs)
	path := func(j imageJob) string { return filepath.Join(dir, files[j.file].rel) }

	var s0 scratch
	refFile := "" // the image that sets the size when there is no target size
	if opt.Width > 0 {
		d.w, d.h, d.resize = opt.Width, opt.Height, true
	} else {
		// Without a target size the first readable image sets it.
		ref := -1
		for k, j := range jobs {
			cfg, err := d.readConfig(path(j), &s0)
			if err == nil {
				d.w, d.h, ref, refFile = cfg.Width, cfg.Height, k, path(j)
				break
			}
			if opt.OnBadFile == RefuseBadFiles {
				return nil, refuseError(dir, BadImage{Path: path(j), Err: err})
			}
		}
		if ref < 0 {
			return nil, errors.Errorf("data: ImageFolder %s: none of the %d image files could be read (the first: %v)",
				dir, len(jobs), BadImage{Path: path(jobs[0]), Err: errFirstBad(d, path(jobs[0]), &s0)})
		}
	}
	f := d.h * d.w * d.c // bounded by MaxImagePixels·3, no overflow
	var total int64
	for _, idx := range sel {
		total += int64(len(idx)) * int64(f)
	}
	if total > opt.MaxTotalBytes {
		return nil, errors.Errorf("data: ImageFolder %s: %d images of %dx%dx%d (height x width x channels) take %d bytes, more than MaxTotalBytes %d: "+
			"read fewer or smaller images (Width, Height, Grayscale, ValidationSplit) or raise the limit",
			dir, len(jobs), d.h, d.w, d.c, total, opt.MaxTotalBytes)
	}
	pix := make([][]byte, len(sel))
	for s, idx := range sel {
		pix[s] = make([]byte, len(idx)*f)
	}

	results := make([]imageResult, len(jobs))
	var next atomic.Int64
	var stop atomic.Int64 // jobs past this one need not be done
	stop.Store(int64(len(jobs)))
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(jobs))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var s scratch
			for {
				k := next.Add(1) - 1
				if k >= int64(len(jobs)) || k > stop.Load() {
					return
				}
				j := jobs[k]
				r := d.decodeInto(path(j), pix[j.set][j.pos*f:(j.pos+1)*f], &s)
				results[k] = r
				if r.mismatch || r.bad != nil && opt.OnBadFile == RefuseBadFiles {
					for {
						old := stop.Load()
						if k >= old || stop.CompareAndSwap(old, k) {
							break
						}
					}
				}
			}
		}()
	}
	wg.Wait()

	// Errors: the first in path order, whatever the workers did.
	for k, r := range results {
		if int64(k) > stop.Load() {
			break
		}
		if r.mismatch {
			return nil, errors.Errorf("data: ImageFolder %s: images differ in size: %s is %dx%d, %s is %dx%d (width x height); "+
				"set Width and Height to resize them all to one size", dir, refFile, d.w, d.h, path(jobs[k]), r.w, r.h)
		}
		if r.bad != nil && opt.OnBadFile == RefuseBadFiles {
			return nil, refuseError(dir, BadImage{Path: path(jobs[k]), Err: r.bad})
		}
	}

	// Gather each set, leaving out skipped files.
	out := make([]*ImageFolderSet, len(sel))
	bad := make([][]bool, len(sel))
	skipped := make([][]BadImage, len(sel))
	firstBad := make([][]int, len(sel)) // per set and class: index into skipped, or -1
	for s, idx := range sel {
		bad[s] = make([]bool, len(idx))
		firstBad[s] = make([]int, len(classes))
		for l := range firstBad[s] {
			firstBad[s][l] = -1
		}
	}
	for k, r := range results {
		if r.bad != nil {
			j := jobs[k]
			bad[j.set][j.pos] = true
			if l := files[j.file].label; firstBad[j.set][l] < 0 {
				firstBad[j.set][l] = len(skipped[j.set])
			}
			skipped[j.set] = append(skipped[j.set], BadImage{Path: path(j), Err: r.bad})
		}
	}
	for s, idx := range sel {
		labels := make([]byte, 0, len(idx))
		paths := make([]string, 0, len(idx))
		seen := make([]int, len(classes))
		kept := make([]int, len(classes))
		p := pix[s]
		n := 0
		for pos, i := range idx {
			l := files[i].label
			seen[l]++
			if bad[s][pos] {
				continue
			}
			kept[l]++
			copy(p[n*f:(n+1)*f], p[pos*f:(pos+1)*f])
			labels = append(labels, byte(l))
			paths = append(paths, filepath.Join(dir, files[i].rel))
			n++
		}
		if n == 0 {
			return nil, errors.Errorf("data: ImageFolder %s: no images left in %s: all %d files were bad (the first: %v)",
				dir, names[s], len(idx), skipped[s][0])
		}
		for l := range classes {
			if seen[l] > 0 && kept[l] == 0 {
				return nil, errors.Errorf("data: ImageFolder %s: class %q: all its %d files in %s were bad (the first: %v)",
					dir, classes[l], seen[l], names[s], skipped[s][firstBad[s][l]])
			}
		}
		im, err := NewImages(names[s], p[:n*f:n*f], d.h, d.w*d.c, labels, classes)
		if err != nil {
			return nil, errors.Wrapf(err, "data: ImageFolder %s", dir)
		}
		out[s] = &ImageFolderSet{Name: names[s], Dir: dir, Files: paths, Skipped: skipped[s], im: im, h: d.h, w: d.w, c: d.c}
	}
	return out, nil
}

func sortJobs(jobs []imageJob) {
	// Jobs are built set by set, each in path order or shuffled; a
	// counting pass puts them in file order without a comparison sort.
	n := 0
	for _, j := range jobs {
		n = max(n, j.file+1)
	}
	at := make([]int, n+1)
	for _, j := range jobs {
		at[j.file+1]++
	}
	for i := 1; i <= n; i++ {
		at[i] += at[i-1]
	}
	sorted := make([]imageJob, len(jobs))
	for _, j := range jobs {
		sorted[at[j.file]] = j
		at[j.file]++
	}
	copy(jobs, sorted)
}

func refuseError(dir string, b BadImage) error {
	return errors.Wrapf(b, "data: ImageFolder %s: bad image file (OnBadFile: SkipBadFiles would leave it out)", dir)
}

// errFirstBad returns why the file at path cannot be read, for messages.
func errFirstBad(d *decoder, path string, s *scratch) error {
	_, err := d.readConfig(path, s)
	return err
}

// readConfig reads the file at path into s.file, bounded by MaxFileBytes,
// and checks its header against the limits.
func (d *decoder) readConfig(path string, s *scratch) (image.Config, error) {
	fh, size, err := d.openImage(path)
	if err != nil {
		return image.Config{}, err
	}
	defer fh.Close()
	// One read of the size Stat gave (and a byte more, to notice a file
	// that grew) usually returns it all.
	if cap(s.file) < size+1 {
		s.file = make([]byte, size+1)
	}
	n, err := io.ReadAtLeast(fh, s.file[:size+1], size)
	if err != nil {
		return image.Config{}, errors.Wrap(unwrapPath(err), "cannot read")
	}
	if n > size {
		return image.Config{}, errors.Errorf("file grew past its size of %d bytes while being read", size)
	}
	s.data = s.file[:n]
	return d.checkHeader(bytes.NewReader(s.data))
}

// openImage opens the file at path and checks that it is a regular file of
// at most MaxFileBytes; it returns the open file and its size. The listing
// refused what was not a regular file then; path is checked again before
// it is opened, since opening a named pipe put there since would block.
func (d *decoder) openImage(path string) (*os.File, int, error) {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return nil, 0, errors.Errorf("not a regular file (%v)", st.Mode().Type())
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, 0, errors.Wrap(unwrapPath(err), "cannot open")
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, 0, errors.Wrap(unwrapPath(err), "cannot stat")
	}
	if !st.Mode().IsRegular() {
		fh.Close()
		return nil, 0, errors.Errorf("not a regular file (%v)", st.Mode().Type())
	}
	if limit := d.opt.MaxFileBytes; st.Size() > limit {
		fh.Close()
		return nil, 0, errors.Errorf("file of %d bytes is more than MaxFileBytes %d", st.Size(), limit)
	}
	return fh, int(st.Size()), nil
}

// checkHeader decodes an image header from r and checks it against the
// limits, before any pixel is decoded.
func (d *decoder) checkHeader(r io.Reader) (image.Config, error) {
	cfg, format, err := image.DecodeConfig(r)
	if err != nil {
		if err == image.ErrFormat {
			return image.Config{}, errors.New("not a PNG, JPEG or GIF image (unknown format)")
		}
		return image.Config{}, errors.Wrap(err, "corrupt header")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return image.Config{}, errors.Errorf("%s image of %dx%d pixels", format, cfg.Width, cfg.Height)
	}
	px := int64(cfg.Width) * int64(cfg.Height)
	if px > d.opt.MaxImagePixels {
		return image.Config{}, errors.Errorf("%s header declares %dx%d = %d pixels, more than MaxImagePixels %d (a decompression bomb?); not decoded",
			format, cfg.Width, cfg.Height, px, d.opt.MaxImagePixels)
	}
	if b := px * bytesPerPixel(cfg.ColorModel); b > d.opt.MaxImageBytes {
		return image.Config{}, errors.Errorf("%s header declares %dx%d pixels that decode to %d bytes, more than MaxImageBytes %d; not decoded",
			format, cfg.Width, cfg.Height, b, d.opt.MaxImageBytes)
	}
	return cfg, nil
}

// unwrapPath drops the *os.PathError wrapper: BadImage names the path.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// bytesPerPixel is the memory a decoded pixel takes in the model's image
// type; unknown models count as 8 (16-bit RGBA).
func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel:
		return 3
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel, color.NYCbCrAModel:
		return 4
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 8
}

// decodeInto reads, checks and decodes the file at path and writes it,
// resized and converted, into out (h × w × c bytes).
func (d *decoder) decodeInto(path string, out []byte, s *scratch) imageResult {
	cfg, err := d.readConfig(path, s)
	if err != nil {
		return imageResult{bad: err}
	}
	r := imageResult{w: cfg.Width, h: cfg.Height}
	if !d.resize && (cfg.Width != d.w || cfg.Height != d.h) {
		r.mismatch = true
		return r
	}
	img, format, err := image.Decode(bytes.NewReader(s.data))
	if err != nil {
		r.bad = errors.Wrapf(err, "corrupt or truncated %s", format)
		return r
	}
	if b, full := img.Bounds(), image.Rect(0, 0, cfg.Width, cfg.Height); b != full {
		if p, ok := img.(*image.Paletted); ok && b.In(full) {
			// A GIF whose first frame covers part of its logical screen:
			// the rest is palette entry 0.
			canvas := image.NewPaletted(full, p.Palette)
			draw.Draw(canvas, b, p, b.Min, draw.Src)
			img = canvas
		} else if b.Dx() != cfg.Width || b.Dy() != cfg.Height {
			r.bad = errors.Errorf("%s decodes to %dx%d pixels, its header says %dx%d", format, b.Dx(), b.Dy(), cfg.Width, cfg.Height)
			return r
		}
	}
	if !d.resize {
		toBytes(out, img, d.c, d.c)
		return r
	}
	d.resizeInto(out, img, s)
	return r
}

// resizeInto resizes img to d.w×d.h into out. The image is first put in a
// form with d.c channels and no alpha (so that transparency is dropped
// before interpolating, as decoding to grey or RGB does elsewhere): a grey
// image, a JPEG's luma plane and an opaque RGBA or YCbCr image as they are,
// others converted into a reused buffer.
func (d *decoder) resizeInto(out []byte, img image.Image, s *scratch) {
	b := img.Bounds()
	var src image.Image
	switch m := img.(type) {
	case *image.Gray:
		src = m
	case *image.YCbCr:
		if d.c == 1 {
			src = &image.Gray{Pix: m.Y, Stride: m.YStride, Rect: m.Rect}
		} else {
			src = m
		}
	case *image.RGBA:
		if d.c == 3 && m.Opaque() {
			src = m
		}
	}
	if src == nil {
		step := 4
		if d.c == 1 {
			step = 1
		}
		n := b.Dx() * b.Dy() * step
		if cap(s.conv) < n {
			s.conv = make([]byte, n)
		}
		buf := s.conv[:n]
		toBytes(buf, img, d.c, step)
		r := image.Rect(0, 0, b.Dx(), b.Dy())
		if d.c == 1 {
			src = &image.Gray{Pix: buf, Stride: b.Dx(), Rect: r}
		} else {
			src = &image.RGBA{Pix: buf, Stride: 4 * b.Dx(), Rect: r}
		}
	}
	if s.dst == nil || s.dst.Rect.Dx() != d.w || s.dst.Rect.Dy() != d.h {
		s.dst = image.NewRGBA(image.Rect(0, 0, d.w, d.h))
	}
	var interp draw.Interpolator = draw.ApproxBiLinear
	if d.opt.Interpolation == Nearest {
		interp = draw.NearestNeighbor
	}
	interp.Scale(s.dst, s.dst.Rect, src, src.Bounds(), draw.Src, nil)
	px := s.dst.Pix
	if d.c == 1 {
		for i := range out {
			out[i] = px[4*i]
		}
		return
	}
	for i, o := 0, 0; o < len(out); i, o = i+4, o+3 {
		out[o], out[o+1], out[o+2] = px[i], px[i+1], px[i+2]
	}
}

// luma is PIL's convert("L"): ITU-R 601-2 luma in 16-bit fixed point,
// rounded; equal components give that value back.
func luma(r, g, b uint32) byte { return byte((19595*r + 38470*g + 7471*b + 1<<15) >> 16) }

// toBytes writes img's pixels into out, row major, step bytes a pixel: the
// grey value (c == 1) or R, G, B (c == 3) first, then 255 as alpha when step
// is 4. Alpha in img is dropped: a pixel keeps its colour, not premultiplied.
func toBytes(out []byte, img image.Image, c, step int) {
	b := img.Bounds()
	w := b.Dx()
	put := func(o int, r, g, bl uint32) {
		if c == 1 {
			out[o] = luma(r, g, bl)
		} else {
			out[o], out[o+1], out[o+2] = byte(r), byte(g), byte(bl)
		}
		if step == 4 {
			out[o+3] = 255
		}
	}
	switch m := img.(type) {
	case *image.Gray:
		for y := 0; y < b.Dy(); y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+w]
			o := y * w * step
			if c == 1 && step == 1 {
				copy(out[o:o+w], row)
				continue
			}
			for _, v := range row {
				put(o, uint32(v), uint32(v), uint32(v))
				o += step
			}
		}
	case *image.YCbCr:
		for y := 0; y < b.Dy(); y++ {
			o := y * w * step
			for x := 0; x < w; x++ {
				px, py := b.Min.X+x, b.Min.Y+y
				yy := m.Y[m.YOffset(px, py)]
				if c == 1 {
					put(o, uint32(yy), uint32(yy), uint32(yy))
				} else {
					ci := m.COffset(px, py)
					r, g, bl := color.YCbCrToRGB(yy, m.Cb[ci], m.Cr[ci])
					put(o, uint32(r), uint32(g), uint32(bl))
				}
				o += step
			}
		}
	case *image.NRGBA:
		for y := 0; y < b.Dy(); y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+4*w]
			o := y * w * step
			for i := 0; i < len(row); i += 4 {
				put(o, uint32(row[i]), uint32(row[i+1]), uint32(row[i+2]))
				o += step
			}
		}
	case *image.RGBA:
		for y := 0; y < b.Dy(); y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+4*w]
			o := y * w * step
			for i := 0; i < len(row); i += 4 {
				if a := row[i+3]; a == 255 || a == 0 {
					put(o, uint32(row[i]), uint32(row[i+1]), uint32(row[i+2]))
				} else {
					n := color.NRGBAModel.Convert(color.RGBA{row[i], row[i+1], row[i+2], a}).(color.NRGBA)
					put(o, uint32(n.R), uint32(n.G), uint32(n.B))
				}
				o += step
			}
		}
	case *image.Paletted:
		var table [256][3]uint32
		for i, p := range m.Palette {
			n := color.NRGBAModel.Convert(p).(color.NRGBA)
			table[i] = [3]uint32{uint32(n.R), uint32(n.G), uint32(n.B)}
		}
		for y := 0; y < b.Dy(); y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+w]
			o := y * w * step
			for _, v := range row {
				t := &table[v]
				put(o, t[0], t[1], t[2])
				o += step
			}
		}
	default:
		// 16-bit, CMYK and the rest: through
		// non-premultiplied 16-bit colour, keeping the high bytes.
		for y := 0; y < b.Dy(); y++ {
			o := y * w * step
			for x := 0; x < w; x++ {
				n := color.NRGBA64Model.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA64)
				put(o, uint32(n.R>>8), uint32(n.G>>8), uint32(n.B>>8))
				o += step
			}
		}
	}
}

// String of a policy, for messages.
func (p BadFilePolicy) String() string {
	switch p {
	case RefuseBadFiles:
		return "RefuseBadFiles"
	case SkipBadFiles:
		return "SkipBadFiles"
	}
	return fmt.Sprintf("BadFilePolicy(%d)", int(p))
}
