package data

import (
	"bufio"
	"fmt"
	"image"
	"io"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/internal/kernels"
)

// DefaultStreamCacheBytes is ImageStreamOptions.MaxCacheBytes's default:
// 64 MiB of decoded pixels, 85,000 Fashion-MNIST images or 440 RGB images
// of 224×224.
const DefaultStreamCacheBytes int64 = 64 << 20

// ImageStreamOptions configures StreamImageFolder: the ImageFolderOptions,
// with the same meaning and defaults (MaxTotalBytes aside: a stream never
// holds the whole set), and the cap on what the stream holds.
type ImageStreamOptions struct {
	ImageFolderOptions
	// MaxCacheBytes caps the decoded pixel bytes the stream holds: images
	// kept across epochs and images read ahead on a hint (Prefetch); 0
	// means DefaultStreamCacheBytes. When the whole set fits, every image
	// is kept once decoded and none is decoded twice; otherwise the first
	// images by index are kept, in three quarters of the cap, and the
	// rest of it reads ahead. Hints past the cap are dropped and those
	// images decoded when Fill asks for them. Each worker keeps, besides,
	// one file's bytes and one image's pixels of its own.
	MaxCacheBytes int64
}

// ImageStream is a folder of images read as ImageFolder reads it, but
// decoded only when Fill asks for them: memory stays flat however many
// images the folder holds. It implements Source, Shaper, Prefetcher and
// ErrSource: Fill writes exactly the values an ImageFolderSet of the same
// folder and options would, whatever the number of workers and whatever
// order the samples are asked in, since every image is decoded by the same
// code from its own file alone.
//
// Prefetch hints decode images ahead, by Workers goroutines started as
// they are needed (none runs while the stream is idle, so there is nothing
// to close), into a cache of at most MaxCacheBytes; Fill takes what was
// read ahead and decodes the rest on the workers while it waits.
//
// The cache keeps images across epochs: images 0 to Resident()-1, once
// decoded, stay for the stream's life, which is all of them when the set
// fits MaxCacheBytes. Keeping a fixed set by index gives a shuffled epoch
// a hit rate of Resident()/Len() whatever the order, where evicting the
// least recently used would throw images out just before the epoch asks
// for them. An image read ahead beyond those leaves the cache when Fill
// has used it as often as it was hinted, or, unused, two hints later. A
// kept image is not read again: a file changed or deleted after it was
// decoded goes unnoticed, as it would for ImageFolder.
//
// A file that cannot be read or decoded when Fill asks for it (deleted,
// truncated or corrupted after listing, or corrupt past its header) gives
// zeros for its sample and sets Err, naming the file; training stops on it.
type ImageStream struct {
	// Name identifies the stream in messages, e.g. "flowers/training".
	Name string
	// Dir is the folder the images are read from.
	Dir string
	// Files holds each image's path: Files[i] is image i.
	Files []string
	// Skipped lists the files left out under SkipBadFiles because their
	// header could not be read or broke a limit, in path order.
	Skipped []BadImage

	labels  []byte
	classes []string
	h, w, c int
	f       int // bytes of one decoded image
	d       *decoder
	workers int
	maxHeld int64
	// Images 0 to len(res)-1 are kept once decoded: res[i] is image i
	// while it is queued or decoding, then resPix[i] its pixels or
	// resErr[i] why it could not be read (an entry an image while in
	// flight, 24 bytes once kept). Their pixels are cut from slabs of up
	// to 1 MiB (the rest of the current one in slab), a few allocations
	// rather than one an image. Read-ahead buffers of the other images
	// hold at most maxAhead bytes, so that the two never pass maxHeld
	// together.
	res      []*streamEntry
	resPix   [][]byte
	resErr   map[int]error
	slab     []byte
	maxAhead int64
	ahHeld   int64 // bytes of read-ahead buffers, in use or free

	mu     sync.Mutex
	cache  map[int]*streamEntry
	fifo   []*streamEntry // read-ahead images in the order they were hinted
	gen    uint64         // Prefetch calls so far
	urgent []missJob      // images Fill waits for, decoded first
	ahead  []*streamEntry // hinted images waiting for a worker
	active int            // workers running
	idle   []*streamScratch
	free   [][]byte // read-ahead buffers no image holds, for reuse
	held   int64    // bytes of cache buffers, kept or read-ahead, in use or free
	stats  StreamStats
	err    error
}

// StreamStats counts what an ImageStream has done.
type StreamStats struct {
	Decoded    int64 // images decoded, ahead or on demand
	Prefetched int64 // of them, decoded ahead on a hint
	Hits       int64 // samples Fill took from the images read ahead
	Misses     int64 // samples Fill had decoded while it waited
	Dropped    int64 // hinted images not read ahead for lack of room
	Evicted    int64 // images read ahead and dropped unused
	// Kept is the number of images decoded and kept across epochs
	// (at most Resident()).
	Kept int64
	// HeldBytes is the decoded bytes the cache holds now (its buffers,
	// in use or free for reuse), PeakHeldBytes the most it has held. Both
	// stay at or below MaxCacheBytes.
	HeldBytes, PeakHeldBytes int64
}

// streamEntry is an image hinted by Prefetch, decoded or on its way.
type streamEntry struct {
	file    int
	pix     []byte
	want    int    // hinted uses no Fill has taken yet
	refs    int    // Fill calls reading pix now
	gen     uint64 // the Prefetch call that last hinted it
	started bool   // a worker is decoding it or has
	done    bool   // decoded, or failed with err
	gone    bool   // out of the cache; pix is freed when refs drops to 0
	kept    bool   // one of the images kept for the stream's life: never gone
	err     error
	waiting []*fillCall // Fill calls to tell when it is done, once per use
}

// missJob is an image a Fill call needs that was not read ahead: a worker
// decodes it and writes it scaled into out.
type missJob struct {
	file int
	k    int // its position in the Fill call, for choosing the error
	out  []float32
	call *fillCall
	e    *streamEntry // a kept image to decode into instead of out; its waiting list holds call
}

// fillCall is a Fill call waiting for images: those it needs that were
// not read ahead, and those read ahead still being decoded. ready is
// closed when pending drops to 0, so that a Fill wakes once, not at every
// image a worker finishes.
type fillCall struct {
	pending int
	ready   chan struct{}
	errK    int // position of err
	err     error
}

// doneLocked counts one awaited image done, waking the call at the last.
func (c *fillCall) doneLocked() {
	if c.pending--; c.pending == 0 {
		close(c.ready)
	}
}

func (c *fillCall) fail(k int, err error) {
	if c.err == nil || k < c.errK {
		c.err, c.errK = err, k
	}
}

// streamScratch is one worker's buffers.
type streamScratch struct {
	scratch
	pix []byte // an image decoded on demand
}

// StreamImageFolder lists dir as ImageFolder does (class folders or
// LabelsCSV, ClassNames, ValidationSplit with Subset, Shuffle) and reads
// every file's header, checking it against the limits, but decodes no
// pixels: Fill decodes them when asked. The listing's errors are
// ImageFolder's; a file whose header is bad is refused, or skipped under
// SkipBadFiles, and without a target size the images must all declare one
// size. A file that is corrupt only past its header is found when it is
// decoded (ImageFolder would have skipped it under SkipBadFiles), and
// reported through Err.
//
// Headers are read by opt.Workers goroutines, as the images are decoded
// later; 0 means GOMAXPROCS.
func StreamImageFolder(dir string, opt ImageStreamOptions) (*ImageStream, error) {
	fo := opt.ImageFolderOptions
	if fo.ValidationSplit != 0 && fo.Subset != SubsetTraining && fo.Subset != SubsetValidation {
		return nil, errors.Errorf("data: StreamImageFolder %s: ValidationSplit %v needs Subset %q or %q (open one stream for each)",
			dir, fo.ValidationSplit, SubsetTraining, SubsetValidation)
	}
	if fo.ValidationSplit == 0 && fo.Subset != "" {
		return nil, errors.Errorf("data: StreamImageFolder %s: Subset %q needs a ValidationSplit in (0, 1)", dir, fo.Subset)
	}
	if opt.MaxCacheBytes < 0 {
		return nil, errors.Errorf("data: StreamImageFolder %s: MaxCacheBytes %d is negative", dir, opt.MaxCacheBytes)
	}
	if opt.MaxCacheBytes == 0 {
		opt.MaxCacheBytes = DefaultStreamCacheBytes
	}
	if fo.Workers <= 0 {
		fo.Workers = runtime.GOMAXPROCS(0)
	}
	l, err := listFolder(dir, &fo, fo.Subset)
	if err != nil {
		return nil, err
	}
	d := &decoder{opt: *l.opt, c: 3}
	if fo.Grayscale {
		d.c = 1
	}
	if fo.Width > 0 {
		d.w, d.h, d.resize = fo.Width, fo.Height, true
	}
	s := &ImageStream{Name: l.names[0], Dir: dir, classes: l.classes, d: d, c: d.c,
		workers: fo.Workers, maxHeld: opt.MaxCacheBytes, cache: map[int]*streamEntry{}}
	if err := s.checkHeaders(l); err != nil {
		return nil, err
	}
	if int64(s.f) > s.maxHeld {
		return nil, errors.Errorf("data: StreamImageFolder %s: MaxCacheBytes %d holds no image of %dx%dx%d bytes (height x width x channels)",
			dir, s.maxHeld, s.h, s.w, s.c)
	}
	s.plan()
	return s, nil
}

// plan splits the cap between images kept across epochs and read-ahead
// buffers: all images when they fit, else three quarters of the cap for
// the first images by index and the rest for reading ahead, which needs
// about two batches.
func (s *ImageStream) plan() {
	f := int64(s.f)
	n := int64(len(s.labels))
	k := n
	if n*f > s.maxHeld {
		k = s.maxHeld / 4 * 3 / f
	}
	s.res = make([]*streamEntry, k)
	s.resPix = make([][]byte, k)
	s.resErr = map[int]error{}
	s.maxAhead = s.maxHeld - k*f
}

// Resident returns how many images the stream keeps across epochs once
// decoded: images 0 to Resident()-1. It is Len() when the whole set fits
// MaxCacheBytes.
func (s *ImageStream) Resident() int { return len(s.res) }

// checkHeaders reads every listed file's header, settles the image size,
// and keeps the files that can be used.
func (s *ImageStream) checkHeaders(l *folderList) error {
	dir, d, sel := s.Dir, s.d, l.sel[0]
	path := func(pos int) string { return filepath.Join(dir, l.files[sel[pos]].rel) }
	// Headers are judged in path order, as ImageFolder judges files.
	order := make([]int, len(sel))
	for k := range order {
		order[k] = k
	}
	sort.Slice(order, func(a, b int) bool { return sel[order[a]] < sel[order[b]] })

	type header struct {
		cfg image.Config
		err error
	}
	heads := make([]header, len(order))
	var next atomic.Int64
	var stop atomic.Int64 // headers past a refused one need not be read
	stop.Store(int64(len(order)))
	var wg sync.WaitGroup
	for w := 0; w < min(s.workers, len(order)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			br := bufio.NewReaderSize(nil, 4096)
			for {
				k := next.Add(1) - 1
				if k >= int64(len(order)) || k > stop.Load() {
					return
				}
				cfg, err := d.readHeader(path(order[k]), br)
				heads[k] = header{cfg, err}
				if err != nil && d.opt.OnBadFile == RefuseBadFiles {
					for old := stop.Load(); k < old && !stop.CompareAndSwap(old, k); old = stop.Load() {
					}
				}
			}
		}()
	}
	wg.Wait()

	bad := make([]bool, len(sel))
	firstBad := make([]int, len(l.classes)) // per class: index into Skipped, or -1
	for lb := range firstBad {
		firstBad[lb] = -1
	}
	refFile := ""
	for k, hd := range heads {
		if int64(k) > stop.Load() {
			break
		}
		pos := order[k]
		if hd.err != nil {
			if d.opt.OnBadFile == RefuseBadFiles {
				return errors.Wrapf(BadImage{Path: path(pos), Err: hd.err},
					"data: StreamImageFolder %s: bad image file (OnBadFile: SkipBadFiles would leave it out)", dir)
			}
			bad[pos] = true
			if lb := l.files[sel[pos]].label; firstBad[lb] < 0 {
				firstBad[lb] = len(s.Skipped)
			}
			s.Skipped = append(s.Skipped, BadImage{Path: path(pos), Err: hd.err})
			continue
		}
		if d.resize {
			continue
		}
		if refFile == "" {
			d.w, d.h, refFile = hd.cfg.Width, hd.cfg.Height, path(pos)
		} else if hd.cfg.Width != d.w || hd.cfg.Height != d.h {
			return errors.Errorf("data: StreamImageFolder %s: images differ in size: %s is %dx%d, %s is %dx%d (width x height); "+
				"set Width and Height to resize them all to one size", dir, refFile, d.w, d.h, path(pos), hd.cfg.Width, hd.cfg.Height)
		}
	}
	if len(s.Skipped) == len(sel) {
		return errors.Errorf("data: StreamImageFolder %s: no images left in %s: all %d files were bad (the first: %v)",
			dir, s.Name, len(sel), s.Skipped[0])
	}
	seen := make([]int, len(l.classes))
	kept := make([]int, len(l.classes))
	for pos, i := range sel {
		lb := l.files[i].label
		seen[lb]++
		if bad[pos] {
			continue
		}
		kept[lb]++
		s.labels = append(s.labels, byte(lb))
		s.Files = append(s.Files, path(pos))
	}
	for lb := range l.classes {
		if seen[lb] > 0 && kept[lb] == 0 {
			return errors.Errorf("data: StreamImageFolder %s: class %q: all its %d files in %s were bad (the first: %v)",
				dir, l.classes[lb], seen[lb], s.Name, s.Skipped[firstBad[lb]])
		}
	}
	s.h, s.w = d.h, d.w
	s.f = d.h * d.w * d.c // bounded by MaxImagePixels·3, no overflow
	return nil
}

// readHeader opens the file at path, checks its size and reads its header
// through br, checking it against the limits: no pixel is decoded.
func (d *decoder) readHeader(path string, br *bufio.Reader) (image.Config, error) {
	fh, size, err := d.openImage(path)
	if err != nil {
		return image.Config{}, err
	}
	defer fh.Close()
	br.Reset(io.LimitReader(fh, int64(size)))
	return d.checkHeader(br)
}

// Len returns the number of images.
func (s *ImageStream) Len() int { return len(s.labels) }

// Features returns height × width × channels.
func (s *ImageStream) Features() int { return s.f }

// TargetWidth returns 1: labels are class indices.
func (s *ImageStream) TargetWidth() int { return 1 }

// NumClasses returns the number of classes.
func (s *ImageStream) NumClasses() int { return len(s.classes) }

// Classes returns the class names in label order. The slice is shared; do
// not modify it.
func (s *ImageStream) Classes() []string { return s.classes }

// Shape returns (height, width, channels).
func (s *ImageStream) Shape() []int { return []int{s.h, s.w, s.c} }

// Height returns the image height in pixels.
func (s *ImageStream) Height() int { return s.h }

// Width returns the image width in pixels.
func (s *ImageStream) Width() int { return s.w }

// Channels returns 1 for grey images, 3 for RGB.
func (s *ImageStream) Channels() int { return s.c }

// Label returns the class of image i.
func (s *ImageStream) Label(i int) int { return int(s.labels[i]) }

// Labels returns the label bytes, shared; do not modify them.
func (s *ImageStream) Labels() []byte { return s.labels }

// FillsConcurrently returns true: Fill may be called from several
// goroutines at once (ConcurrentFiller).
func (s *ImageStream) FillsConcurrently() bool { return true }

// String describes the stream, e.g. "flowers/training: 2936 images 180x180x3, 5 classes, streamed".
func (s *ImageStream) String() string {
	return fmt.Sprintf("%s: %d images %dx%dx%d, %d classes, streamed", s.Name, s.Len(), s.h, s.w, s.c, s.NumClasses())
}

// Err returns the first error a Fill met (ErrSource): a file that could
// not be read or decoded, named, or an index out of range. It stays set.
func (s *ImageStream) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Stats returns what the stream has done so far.
func (s *ImageStream) Stats() StreamStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.HeldBytes = s.held
	return st
}

var (
	_ ConcurrentFiller = (*ImageStream)(nil)
	_ Shaper           = (*ImageStream)(nil)
	_ Prefetcher       = (*ImageStream)(nil)
	_ ErrSource        = (*ImageStream)(nil)
)

// Fill writes images idx scaled to [0, 1] into x and their labels into y;
// see Source. Labels alone (x nil) decode nothing. Images read ahead are
// taken from the cache; the others are decoded by the workers while Fill
// waits. A sample that cannot be read is written as zeros and sets Err.
func (s *ImageStream) Fill(idx []int, x, y []float32) {
	n := len(s.labels)
	var fail error
	failK := len(idx)
	note := func(k int, err error) {
		if k < failK {
			fail, failK = err, k
		}
	}
	for k, i := range idx {
		if i < 0 || i >= n {
			note(k, errors.Errorf("data: image stream %s: Fill: index %d (position %d) out of range [0, %d)", s.Name, i, k, n))
			if y != nil {
				y[k] = 0
			}
			continue
		}
		if y != nil {
			y[k] = float32(s.labels[i])
		}
	}
	if x == nil || len(idx) == 0 {
		if fail != nil {
			s.mu.Lock()
			s.recordLocked(fail)
			s.mu.Unlock()
		}
		return
	}
	type use struct {
		k int
		e *streamEntry
	}
	type keptUse struct {
		k   int
		pix []byte
	}
	var uses []use
	var done []keptUse // kept images decoded earlier: read without refs, never freed
	f := s.f
	call := &fillCall{ready: make(chan struct{})}
	s.mu.Lock()
	for k, i := range idx {
		row := x[k*f : (k+1)*f]
		if i < 0 || i >= n {
			clear(row)
			continue
		}
		if i < len(s.res) {
			if p := s.resPix[i]; p != nil {
				s.stats.Hits++
				done = append(done, keptUse{k, p})
				continue
			}
			if err := s.resErr[i]; err != nil {
				s.stats.Hits++
				clear(row)
				note(k, err)
				continue
			}
			e := s.res[i]
			if e == nil {
				e = s.keepLocked(i)
				s.urgent = append(s.urgent, missJob{file: i, k: k, call: call, e: e})
				s.stats.Misses++
			} else {
				s.stats.Hits++
			}
			e.refs++
			uses = append(uses, use{k, e})
			if !e.done {
				e.waiting = append(e.waiting, call)
				call.pending++
			}
			continue
		}
		if e := s.cache[i]; e != nil {
			e.refs++
			if e.want--; e.want <= 0 {
				delete(s.cache, i)
				e.gone = true
			}
			uses = append(uses, use{k, e})
			s.stats.Hits++
			if !e.done {
				e.waiting = append(e.waiting, call)
				call.pending++
			}
			continue
		}
		s.urgent = append(s.urgent, missJob{file: i, k: k, out: row, call: call})
		call.pending++
		s.stats.Misses++
	}
	s.spawnLocked()
	wait := call.pending > 0
	s.mu.Unlock()
	if wait {
		<-call.ready
	}
	for _, u := range done {
		kernels.ScaleBytes(x[u.k*f:(u.k+1)*f], u.pix, nil)
	}
	for _, u := range uses {
		row := x[u.k*f : (u.k+1)*f]
		if u.e.err != nil {
			clear(row)
			note(u.k, u.e.err)
			continue
		}
		kernels.ScaleBytes(row, u.e.pix, nil)
	}
	s.mu.Lock()
	for _, u := range uses {
		if u.e.refs--; u.e.gone && u.e.refs == 0 {
			s.free = append(s.free, u.e.pix)
			u.e.pix = nil
		}
	}
	if call.err != nil {
		note(call.errK, call.err)
	}
	if fail != nil {
		s.recordLocked(fail)
	}
	s.mu.Unlock()
}

func (s *ImageStream) recordLocked(err error) {
	if s.err == nil {
		s.err = err
	}
}

// Prefetch hints that Fill will soon ask for the images idx (Prefetcher):
// the workers decode them into the cache meanwhile, as far as
// MaxCacheBytes allows; the rest are decoded when Fill asks. An index
// hinted twice is kept until Fill has used it twice. Images read ahead on
// a hint two Prefetch calls old that no Fill has used are dropped.
func (s *ImageStream) Prefetch(idx []int) {
	n := len(s.labels)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	s.trimLocked()
	for _, i := range idx {
		if i < 0 || i >= n {
			continue
		}
		if i < len(s.res) {
			if s.res[i] == nil && s.resPix[i] == nil && s.resErr[i] == nil {
				s.ahead = append(s.ahead, s.keepLocked(i))
			}
			continue
		}
		if e := s.cache[i]; e != nil {
			e.want++
			e.gen = s.gen
			continue
		}
		buf := s.bufferLocked()
		if buf == nil {
			s.stats.Dropped++
			continue
		}
		e := &streamEntry{file: i, pix: buf, want: 1, gen: s.gen}
		s.cache[i] = e
		s.ahead = append(s.ahead, e)
		s.fifo = append(s.fifo, e)
	}
	s.spawnLocked()
}

// trimLocked drops from the read-ahead queue the images Fill has taken,
// and those hinted two Prefetch calls ago or earlier that no Fill has
// used: decoded ones give their buffer back, queued ones are not decoded.
func (s *ImageStream) trimLocked() {
	keep := s.fifo[:0]
	for _, e := range s.fifo {
		switch {
		case e.gone: // taken by Fill, which frees it
		case e.gen+2 > s.gen || e.refs > 0 || e.started && !e.done:
			keep = append(keep, e)
		default:
			delete(s.cache, e.file)
			e.gone = true
			s.stats.Evicted++
			if e.done {
				s.free = append(s.free, e.pix)
				e.pix = nil
			} // else queued: the worker that takes it frees it
		}
	}
	clear(s.fifo[len(keep):])
	s.fifo = keep
}

// bufferLocked returns a read-ahead buffer for one image, reusing a free
// one, or nil when a new one would take the read-ahead buffers past their
// share of MaxCacheBytes.
func (s *ImageStream) bufferLocked() []byte {
	if k := len(s.free); k > 0 {
		b := s.free[k-1]
		s.free[k-1] = nil
		s.free = s.free[:k-1]
		return b
	}
	if s.ahHeld+int64(s.f) > s.maxAhead {
		return nil
	}
	s.ahHeld += int64(s.f)
	s.growLocked(1)
	return make([]byte, s.f)
}

// keepLocked makes the entry of image i < Resident(), to be decoded into
// pixels that it keeps. A slab is cut for at most the images still to be
// kept, so that kept pixels never pass Resident()·f bytes, the share of
// the cap that plan gave them.
func (s *ImageStream) keepLocked(i int) *streamEntry {
	if len(s.slab) < s.f {
		m := min(int64(len(s.res))-s.stats.Kept, max(1, (1<<20)/int64(s.f)))
		s.slab = make([]byte, m*int64(s.f))
		s.growLocked(m)
	}
	e := &streamEntry{file: i, pix: s.slab[:s.f:s.f], want: 1, gen: s.gen, kept: true}
	s.slab = s.slab[s.f:]
	s.res[i] = e
	s.stats.Kept++
	return e
}

// growLocked counts m more images' buffers held.
func (s *ImageStream) growLocked(m int64) {
	s.held += m * int64(s.f)
	s.stats.PeakHeldBytes = max(s.stats.PeakHeldBytes, s.held)
}

// spawnLocked starts workers, up to Workers, for the queued images.
func (s *ImageStream) spawnLocked() {
	for s.active < s.workers && s.active < len(s.urgent)+len(s.ahead) {
		s.active++
		var sc *streamScratch
		if k := len(s.idle); k > 0 {
			sc = s.idle[k-1]
			s.idle = s.idle[:k-1]
		} else {
			sc = &streamScratch{pix: make([]byte, s.f)}
		}
		go s.work(sc)
	}
}

// work decodes queued images, those Fill waits for first, until none is
// left.
func (s *ImageStream) work(sc *streamScratch) {
	s.mu.Lock()
	for {
		switch {
		case len(s.urgent) > 0:
			j := s.urgent[0]
			s.urgent[0] = missJob{}
			s.urgent = s.urgent[1:]
			if j.e != nil { // a kept image: its waiting list tells the call
				s.decodeEntry(j.e, sc)
				continue
			}
			s.mu.Unlock()
			err := s.decode(j.file, sc.pix, &sc.scratch)
			if err == nil {
				kernels.ScaleBytes(j.out, sc.pix, nil)
			} else {
				clear(j.out)
			}
			s.mu.Lock()
			s.stats.Decoded++
			if err != nil {
				j.call.fail(j.k, err)
			}
			j.call.doneLocked()
		case len(s.ahead) > 0:
			e := s.ahead[0]
			s.ahead[0] = nil
			s.ahead = s.ahead[1:]
			if e.gone && e.refs == 0 { // dropped unused before its turn
				s.free = append(s.free, e.pix)
				e.pix = nil
				continue
			}
			s.stats.Prefetched++
			s.decodeEntry(e, sc)
		default:
			s.active--
			s.idle = append(s.idle, sc)
			s.mu.Unlock()
			return
		}
	}
}

// decodeEntry decodes e into its buffer, with s.mu held on entry and on
// return but not meanwhile, and tells the Fill calls waiting for it.
func (s *ImageStream) decodeEntry(e *streamEntry, sc *streamScratch) {
	e.started = true
	s.mu.Unlock()
	err := s.decode(e.file, e.pix, &sc.scratch)
	s.mu.Lock()
	s.stats.Decoded++
	e.err, e.done = err, true
	if e.kept { // Fill reads it from resPix or resErr from now on
		s.res[e.file] = nil
		if err == nil {
			s.resPix[e.file] = e.pix
		} else {
			s.resErr[e.file] = err
		}
	}
	for _, c := range e.waiting {
		c.doneLocked()
	}
	e.waiting = nil
}

// decode reads image i into out (height × width × channels bytes) with
// ImageFolder's decoder.
func (s *ImageStream) decode(i int, out []byte, sc *scratch) error {
	r := s.d.decodeInto(s.Files[i], out, sc)
	switch {
	case r.bad != nil:
		return errors.Wrapf(BadImage{Path: s.Files[i], Err: r.bad}, "data: image stream %s", s.Name)
	case r.mismatch:
		return errors.Wrapf(BadImage{Path: s.Files[i], Err: errors.Errorf("now %dx%d pixels, %dx%d when the folder was listed (width x height)",
			r.w, r.h, s.w, s.h)}, "data: image stream %s", s.Name)
	}
	return nil
}
