package data

import (
	"bytes"
	"fmt"
	"image"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pkg/errors"
)

// streamFolder writes n images over three classes into dir: PNG, JPEG and
// GIF in turn, of sizes varying with k when mixed, else all 5×4, with
// seeded pixels.
func streamFolder(t testing.TB, dir string, n int, mixed bool) {
	t.Helper()
	rng := rand.New(rand.NewSource(7))
	for k := 0; k < n; k++ {
		w, h := 5, 4
		if mixed {
			w, h = 3+k%4, 2+k%5
		}
		m := image.NewNRGBA(image.Rect(0, 0, w, h))
		for i := range m.Pix {
			m.Pix[i] = byte(rng.Intn(256))
		}
		for i := 3; i < len(m.Pix); i += 4 {
			m.Pix[i] = 255
		}
		format := []string{"png", "jpeg", "gif"}[k%3]
		ext := map[string]string{"png": "png", "jpeg": "jpg", "gif": "gif"}[format]
		writeImage(t, filepath.Join(dir, []string{"a", "b", "c"}[k%3], fmt.Sprintf("%03d.%s", k, ext)), m, format)
	}
}

// fillAll fills every sample of src in one call, in index order.
func fillAll(src Source) (x, y []float32) {
	x = make([]float32, src.Len()*src.Features())
	y = make([]float32, src.Len()*src.TargetWidth())
	src.Fill(seq(src.Len()), x, y)
	return x, y
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// sameBits reports whether a and b hold the same float32 values bit for
// bit, and the first position where they differ.
func sameBits(a, b []float32) (bool, int) {
	if len(a) != len(b) {
		return false, -1
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false, i
		}
	}
	return true, 0
}

// streamBatches fills src batch by batch in the order given, hinting the
// next batch before filling the current one, as Fit does.
func streamBatches(src Source, order []int, batch int) (x, y []float32) {
	f, tw := src.Features(), src.TargetWidth()
	x = make([]float32, len(order)*f)
	y = make([]float32, len(order)*tw)
	for b := 0; b*batch < len(order); b++ {
		lo, hi := b*batch, min((b+1)*batch, len(order))
		if hi < len(order) {
			Prefetch(src, order[hi:min(hi+batch, len(order))])
		}
		src.Fill(order[lo:hi], x[lo*f:hi*f], y[lo*tw:hi*tw])
	}
	return x, y
}

// TestStreamMatchesImageFolder: a stream fills exactly the values
// ImageFolder's set does, bit for bit, for 1, 2 and 4 workers, grey and
// RGB, resized both ways or at the images' own size, shuffled and split;
// batch by batch with hints, in a shuffled order, or all at once.
func TestStreamMatchesImageFolder(t *testing.T) {
	mixed, same := t.TempDir(), t.TempDir()
	streamFolder(t, mixed, 30, true)
	streamFolder(t, same, 30, false)
	cases := []struct {
		name string
		dir  string
		opt  ImageFolderOptions
	}{
		{"own size rgb", same, ImageFolderOptions{}},
		{"own size grey", same, ImageFolderOptions{Grayscale: true}},
		{"bilinear rgb", mixed, ImageFolderOptions{Width: 4, Height: 3}},
		{"nearest grey", mixed, ImageFolderOptions{Width: 6, Height: 5, Grayscale: true, Interpolation: Nearest}},
		{"shuffled validation", mixed, ImageFolderOptions{Width: 3, Height: 3, Shuffle: true, Seed: 5,
			ValidationSplit: 0.3, Subset: SubsetValidation}},
		{"training", mixed, ImageFolderOptions{Width: 3, Height: 3, ValidationSplit: 0.3, Subset: SubsetTraining, Seed: 5}},
	}
	for _, c := range cases {
		want, err := ImageFolder(c.dir, c.opt)
		if err != nil {
			t.Fatal(err)
		}
		wx, wy := fillAll(want)
		for _, workers := range []int{1, 2, 4} {
			o := c.opt
			o.Workers = workers
			s, err := StreamImageFolder(c.dir, ImageStreamOptions{ImageFolderOptions: o})
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if s.Len() != want.Len() || !reflect.DeepEqual(s.Files, want.Files) || !bytes.Equal(s.Labels(), want.Labels()) ||
				!reflect.DeepEqual(s.Classes(), want.Classes()) || !reflect.DeepEqual(ShapeOf(s), ShapeOf(want)) || s.Name != want.Name {
				t.Fatalf("%s, %d workers: stream %v files %q, want %v files %q", c.name, workers, s, s.Files, want, want.Files)
			}
			x, y := fillAll(s)
			if ok, at := sameBits(x, wx); !ok || !reflect.DeepEqual(y, wy) {
				t.Errorf("%s, %d workers: all at once: pixels differ at %d", c.name, workers, at)
			}
			order := rand.New(rand.NewSource(int64(workers))).Perm(s.Len())
			bx, by := streamBatches(s, order, 4)
			f := s.Features()
			for k, i := range order {
				if ok, _ := sameBits(bx[k*f:(k+1)*f], wx[i*f:(i+1)*f]); !ok || by[k] != wy[i] {
					t.Fatalf("%s, %d workers: in batches, sample %d (position %d) differs", c.name, workers, i, k)
				}
			}
			if err := s.Err(); err != nil {
				t.Errorf("%s: Err %v", c.name, err)
			}
			if st := s.Stats(); st.Hits == 0 || st.Misses == 0 {
				t.Errorf("%s: stats %+v: want hits (hinted batches) and misses (the first batch)", c.name, st)
			}
		}
	}
}

// TestStreamFillOrder: whatever order, batching and duplicates the
// indices come in, hinted or not, each sample's row and label are the same.
func TestStreamFillOrder(t *testing.T) {
	dir := t.TempDir()
	streamFolder(t, dir, 24, true)
	s, err := StreamImageFolder(dir, ImageStreamOptions{ImageFolderOptions: ImageFolderOptions{Width: 4, Height: 4, Workers: 3}})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := StreamImageFolder(dir, ImageStreamOptions{ImageFolderOptions: ImageFolderOptions{Width: 4, Height: 4, Workers: 1}})
	if err != nil {
		t.Fatal(err)
	}
	wx, wy := fillAll(ref)
	f := s.Features()
	rng := rand.New(rand.NewSource(3))
	for round := 0; round < 20; round++ {
		idx := make([]int, 1+rng.Intn(12))
		for k := range idx {
			idx[k] = rng.Intn(s.Len()) // duplicates included
		}
		if round%2 == 0 {
			Prefetch(s, idx[:len(idx)/2])
		}
		x, y := make([]float32, len(idx)*f), make([]float32, len(idx))
		s.Fill(idx, x, y)
		for k, i := range idx {
			if ok, _ := sameBits(x[k*f:(k+1)*f], wx[i*f:(i+1)*f]); !ok || y[k] != wy[i] {
				t.Fatalf("round %d: sample %d at position %d of %v differs", round, i, k, idx)
			}
		}
	}
	// Labels alone decode nothing.
	before := s.Stats().Decoded
	y := make([]float32, s.Len())
	s.Fill(seq(s.Len()), nil, y)
	if !reflect.DeepEqual(y, wy) || s.Stats().Decoded != before {
		t.Errorf("labels only: %v (want %v), decoded %d images", y, wy, s.Stats().Decoded-before)
	}
}

// TestStreamConcurrentFill: Fill from several goroutines at once, with
// hints racing them, gives every goroutine the right rows (run with -race).
func TestStreamConcurrentFill(t *testing.T) {
	dir := t.TempDir()
	streamFolder(t, dir, 30, false)
	s, err := StreamImageFolder(dir, ImageStreamOptions{ImageFolderOptions: ImageFolderOptions{Workers: 2}})
	if err != nil {
		t.Fatal(err)
	}
	wx, _ := fillAll(s)
	f := s.Features()
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(g)))
			for r := 0; r < 30; r++ {
				idx := rng.Perm(s.Len())[:5]
				s.Prefetch(rng.Perm(s.Len())[:5])
				x := make([]float32, len(idx)*f)
				s.Fill(idx, x, nil)
				for k, i := range idx {
					if ok, _ := sameBits(x[k*f:(k+1)*f], wx[i*f:(i+1)*f]); !ok {
						errs <- fmt.Sprintf("goroutine %d: sample %d differs", g, i)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestStreamCacheCap: over many batches, the decoded bytes the stream
// holds never pass MaxCacheBytes; with a cap of less than a batch hints
// are dropped and the rows are still right; with a cap of two thirds of
// the set it holds the cap at most however many it has streamed; with the
// default cap it holds the set; read-ahead hints no Fill uses are dropped
// two hints later.
func TestStreamCacheCap(t *testing.T) {
	dir := t.TempDir()
	streamFolder(t, dir, 60, false)
	ref, err := ImageFolder(dir, ImageFolderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wx, _ := fillAll(ref)
	const batch = 8
	f := ref.Features()
	order := rand.New(rand.NewSource(1)).Perm(ref.Len())
	order = append(append(append(order, order...), order...), order...) // 240 samples, 30 batches

	for _, c := range []struct {
		cap     int64
		maxPeak int64
		drops   bool
	}{
		{cap: int64(5 * f), maxPeak: int64(5 * f), drops: true},
		{cap: int64(40 * f), maxPeak: int64(40 * f), drops: true}, // 30 kept, room for 10 read ahead: two batches of hints at times pass it
		{cap: 0, maxPeak: int64(60 * f)},
	} {
		s, err := StreamImageFolder(dir, ImageStreamOptions{ImageFolderOptions: ImageFolderOptions{Workers: 2}, MaxCacheBytes: c.cap})
		if err != nil {
			t.Fatal(err)
		}
		x, _ := streamBatches(s, order, batch)
		for k, i := range order {
			if ok, _ := sameBits(x[k*f:(k+1)*f], wx[i*f:(i+1)*f]); !ok {
				t.Fatalf("cap %d: sample %d at %d differs", c.cap, i, k)
			}
		}
		st := s.Stats()
		if st.PeakHeldBytes > c.maxPeak || st.HeldBytes > st.PeakHeldBytes || st.PeakHeldBytes == 0 {
			t.Errorf("cap %d: held %d bytes at most, %d now; want in (0, %d]", c.cap, st.PeakHeldBytes, st.HeldBytes, c.maxPeak)
		}
		if c.drops != (st.Dropped > 0) || st.Hits == 0 || st.Hits+st.Misses != int64(len(order)) {
			t.Errorf("cap %d: stats %+v", c.cap, st)
		}
	}

	// Hints nobody fills: dropped two hints later, their buffers reused;
	// the 30 kept images stay.
	s, err := StreamImageFolder(dir, ImageStreamOptions{ImageFolderOptions: ImageFolderOptions{Workers: 2}, MaxCacheBytes: int64(40 * f)})
	if err != nil {
		t.Fatal(err)
	}
	for b := 0; b < 20; b++ {
		s.Prefetch(order[b*batch : (b+1)*batch])
		s.Fill(order[b*batch:b*batch+1], make([]float32, f), nil) // waits for the workers, more or less
	}
	s.Fill(order[:1], make([]float32, f), nil)
	st := s.Stats()
	if st.Evicted == 0 || st.PeakHeldBytes > int64(40*f) || s.Resident() != 30 {
		t.Errorf("unused hints: stats %+v, %d kept; want evictions, 30 kept and at most %d bytes held", st, s.Resident(), 40*f)
	}
}

// TestStreamKeepsAcrossEpochs: over three shuffled epochs the stream fills
// ImageFolder's bits with 1, 2 and 4 workers; a set that fits the cap is
// decoded once in all, one that does not decodes at most Len−Resident
// images an epoch after the first, and the bytes held never pass the cap:
// kept images and read-ahead buffers counted one by one.
func TestStreamKeepsAcrossEpochs(t *testing.T) {
	dir := t.TempDir()
	const n, batch = 60, 8
	streamFolder(t, dir, n, false)
	ref, err := ImageFolder(dir, ImageFolderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wx, wy := fillAll(ref)
	f := ref.Features()
	for _, c := range []struct {
		name string
		cap  int64
		keep int
	}{
		{"default cap", 0, n},
		{"the set exactly", int64(n * f), n},
		{"two thirds of the set", int64(40 * f), 30}, // 3/4 of 40 images kept, 10 images' room to read ahead
		{"a tenth", int64(6 * f), 4},                 // read-ahead room of two images: hints dropped
	} {
		for _, workers := range []int{1, 2, 4} {
			s, err := StreamImageFolder(dir, ImageStreamOptions{ImageFolderOptions: ImageFolderOptions{Workers: workers}, MaxCacheBytes: c.cap})
			if err != nil {
				t.Fatal(err)
			}
			if s.Resident() != c.keep {
				t.Fatalf("%s, %d workers: keeps %d images, want %d", c.name, workers, s.Resident(), c.keep)
			}
			capBytes := c.cap
			if capBytes == 0 {
				capBytes = DefaultStreamCacheBytes
			}
			var prev StreamStats
			for epoch := 0; epoch < 3; epoch++ {
				order := rand.New(rand.NewSource(int64(10*workers + epoch))).Perm(n)
				x, y := streamBatches(s, order, batch)
				for k, i := range order {
					if ok, _ := sameBits(x[k*f:(k+1)*f], wx[i*f:(i+1)*f]); !ok || y[k] != wy[i] {
						t.Fatalf("%s, %d workers, epoch %d: sample %d (position %d) differs", c.name, workers, epoch, i, k)
					}
				}
				st := s.Stats()
				decoded := st.Decoded - prev.Decoded
				switch {
				case epoch == 0 && decoded != n:
					t.Errorf("%s, %d workers, epoch 0: %d decodes, want %d", c.name, workers, decoded, n)
				case epoch > 0 && decoded > int64(n-c.keep):
					t.Errorf("%s, %d workers, epoch %d: %d decodes, want at most %d", c.name, workers, epoch, decoded, n-c.keep)
				case epoch > 0 && c.keep == n && (decoded != 0 || st.Misses != prev.Misses):
					t.Errorf("%s, %d workers, epoch %d: %d decodes, %d misses; want none", c.name, workers, epoch, decoded, st.Misses-prev.Misses)
				}
				if held := s.heldBytes(); held != st.HeldBytes || held > capBytes || st.PeakHeldBytes > capBytes || st.Kept != int64(c.keep) {
					t.Errorf("%s, %d workers, epoch %d: %d bytes in buffers, stats %+v; want at most %d, %d kept",
						c.name, workers, epoch, held, st, capBytes, c.keep)
				}
				prev = st
			}
			if err := s.Err(); err != nil {
				t.Errorf("%s, %d workers: %v", c.name, workers, err)
			}
		}
	}
}

// TestStreamFileGoneAfterListing: a file deleted, or overwritten with a
// corrupt one, after the folder was listed gives zeros for its sample and
// an error naming it; the other samples are filled.
func TestStreamFileGoneAfterListing(t *testing.T) {
	for _, how := range []string{"deleted", "corrupted", "resized"} {
		dir := t.TempDir()
		streamFolder(t, dir, 9, false)
		s, err := StreamImageFolder(dir, ImageStreamOptions{ImageFolderOptions: ImageFolderOptions{Workers: 2}})
		if err != nil {
			t.Fatal(err)
		}
		victim := s.Files[4]
		switch how {
		case "deleted":
			err = os.Remove(victim)
		case "corrupted":
			err = os.WriteFile(victim, []byte("\x89PNG\r\n\x1a\nnot any more"), 0o644)
		case "resized":
			writeImage(t, victim, grayImage(2, 2, 1, 2, 3, 4), "png")
		}
		if err != nil {
			t.Fatal(err)
		}
		f := s.Features()
		x := make([]float32, 3*f)
		for i := range x {
			x[i] = -1
		}
		s.Fill([]int{3, 4, 5}, x, nil)
		err = s.Err()
		var bad BadImage
		if err == nil || !errors.As(err, &bad) || bad.Path != victim || !strings.Contains(err.Error(), victim) {
			t.Fatalf("%s: Err %v; want a BadImage naming %s", how, err, victim)
		}
		for i, v := range x[f : 2*f] {
			if v != 0 {
				t.Fatalf("%s: the bad sample's value %d is %v, want 0", how, i, v)
			}
		}
		for _, v := range append(x[:f:f], x[2*f:]...) {
			if v < 0 {
				t.Fatalf("%s: a good sample was not filled", how)
			}
		}
		// The error stays, and a hinted read of the file fails the same way.
		s.Prefetch([]int{4})
		s.Fill([]int{4}, x[:f], nil)
		if s.Err() != err {
			t.Errorf("%s: Err changed to %v", how, s.Err())
		}
	}
}

// TestStreamOpenErrors: what StreamImageFolder refuses up front, naming
// the folder or file, and what it skips.
func TestStreamOpenErrors(t *testing.T) {
	dir := t.TempDir()
	good, bads := badFolder(t, dir)
	lim := ImageFolderOptions{MaxFileBytes: 300, MaxImageBytes: 6}

	_, err := StreamImageFolder(dir, ImageStreamOptions{ImageFolderOptions: lim})
	if err == nil || !strings.Contains(err.Error(), bads[0][0]) || !strings.Contains(err.Error(), bads[0][1]) {
		t.Errorf("refuse: %v; want the first bad file %s", err, bads[0][0])
	}
	skip := lim
	skip.OnBadFile = SkipBadFiles
	s, err := StreamImageFolder(dir, ImageStreamOptions{ImageFolderOptions: skip})
	if err != nil {
		t.Fatal(err)
	}
	// corrupt.png's and truncated.png's headers are sound: the stream
	// finds them out when it decodes them.
	var skipped []string
	for _, b := range s.Skipped {
		skipped = append(skipped, b.Path)
	}
	for _, b := range bads {
		past := strings.HasPrefix(b[1], "corrupt or truncated")
		if slices.Contains(skipped, b[0]) == past {
			t.Errorf("%s (%s): skipped %v", b[0], b[1], !past)
		}
	}
	if s.Len() != good+2 {
		t.Errorf("%d images, want %d", s.Len(), good+2)
	}
	x := make([]float32, s.Len()*s.Features())
	s.Fill(seq(s.Len()), x, nil)
	if err := s.Err(); err == nil || !strings.Contains(err.Error(), "corrupt or truncated png") {
		t.Errorf("decoding a file corrupt past its header: Err %v", err)
	}

	mixed := t.TempDir()
	streamFolder(t, mixed, 6, true)
	for _, c := range []struct {
		dir  string
		opt  ImageStreamOptions
		want string
	}{
		{mixed, ImageStreamOptions{}, "images differ in size: " + filepath.Join(mixed, "a", "000.png") + " is 3x2"},
		{mixed, ImageStreamOptions{ImageFolderOptions: ImageFolderOptions{Width: 2, Height: 2}, MaxCacheBytes: 11}, "MaxCacheBytes 11 holds no image of 2x2x3"},
		{mixed, ImageStreamOptions{MaxCacheBytes: -1}, "MaxCacheBytes -1 is negative"},
		{mixed, ImageStreamOptions{ImageFolderOptions: ImageFolderOptions{ValidationSplit: 0.5}}, "needs Subset"},
		{mixed, ImageStreamOptions{ImageFolderOptions: ImageFolderOptions{Subset: SubsetTraining}}, "needs a ValidationSplit"},
		{filepath.Join(mixed, "none"), ImageStreamOptions{}, "no such file"},
		{filepath.Join(mixed, "a"), ImageStreamOptions{}, "no class folders, but 2 images"},
	} {
		if _, err := StreamImageFolder(c.dir, c.opt); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %+v: %v; want %q", c.dir, c.opt, err, c.want)
		}
	}

	// All files of a class bad.
	allBad := t.TempDir()
	writeFile(t, filepath.Join(allBad, "a", "x.png"), []byte("junk"))
	writeImage(t, filepath.Join(allBad, "b", "y.png"), grayImage(1, 1, 9), "png")
	_, err = StreamImageFolder(allBad, ImageStreamOptions{ImageFolderOptions: ImageFolderOptions{OnBadFile: SkipBadFiles}})
	if err == nil || !strings.Contains(err.Error(), `class "a": all its 1 files`) {
		t.Errorf("a class of bad files: %v", err)
	}
}

// TestStreamOutOfRange: an index out of range gives zeros and sets Err
// instead of panicking.
func TestStreamOutOfRange(t *testing.T) {
	dir := t.TempDir()
	streamFolder(t, dir, 6, false)
	s, err := StreamImageFolder(dir, ImageStreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	x, y := make([]float32, 2*s.Features()), []float32{-1, -1}
	s.Prefetch([]int{-1, 99})
	s.Fill([]int{1, 6}, x, y)
	if err := s.Err(); err == nil || !strings.Contains(err.Error(), "index 6 (position 1) out of range [0, 6)") || y[1] != 0 || y[0] < 0 {
		t.Errorf("Err %v, y %v", err, y)
	}
}

// recorder is a Source that records its hints and can fail.
type recorder struct {
	n     int
	hints [][]int
	err   error
}

func (r *recorder) Len() int         { return r.n }
func (r *recorder) Features() int    { return 4 }
func (r *recorder) TargetWidth() int { return 1 }
func (r *recorder) NumClasses() int  { return 2 }
func (r *recorder) Shape() []int     { return []int{2, 2, 1} }
func (r *recorder) Fill(idx []int, x, y []float32) {
	for k, i := range idx {
		for j := 0; j < 4 && x != nil; j++ {
			x[4*k+j] = float32(10*i + j)
		}
		if y != nil {
			y[k] = float32(i % 2)
		}
	}
}
func (r *recorder) Prefetch(idx []int) { r.hints = append(r.hints, append([]int(nil), idx...)) }
func (r *recorder) Err() error         { return r.err }

// TestPrefetchThroughViews: hints reach the source under Subset, Slice,
// Join and Augment with their indices translated (out of range ones
// dropped), and so do errors; plain sources cost nothing.
func TestPrefetchThroughViews(t *testing.T) {
	r := &recorder{n: 10}
	sub, _ := Subset(r, []int{9, 7, 5})
	sl, _ := Slice(sub, 1, 3)
	j, _ := Join([]Named{{"in", sl}}, []Named{{"out", sl}})
	aug, _ := Augment(r, AugmentOptions{Copies: 3})
	Prefetch(sub, []int{2, 0, 3})
	Prefetch(sl, []int{1, 0})
	Prefetch(j, []int{0})
	Prefetch(aug, []int{29, 10, 3})
	want := [][]int{{5, 9}, {5, 7}, {7}, {9, 0, 3}}
	if !reflect.DeepEqual(r.hints, want) {
		t.Errorf("hints %v, want %v", r.hints, want)
	}
	im, _ := NewImages("im", make([]byte, 8), 2, 2, []byte{0, 1}, []string{"a", "b"})
	plain, _ := Subset(im, []int{1})
	Prefetch(plain, []int{0}) // no Prefetcher beneath: nothing happens
	if SourceErr(plain) != nil || SourceErr(j) != nil {
		t.Error("an error from sources without one")
	}
	r.err = errors.New("boom")
	for _, src := range []Source{sub, sl, j, aug} {
		if SourceErr(src) != r.err {
			t.Errorf("SourceErr(%T) = %v, want boom", src, SourceErr(src))
		}
	}
}

// TestPrefetchInMemoryFree: on in-memory sources and views of them, as
// Fit passes them every batch, Prefetch and SourceErr allocate nothing:
// the in-memory path pays two type switches a batch for streaming.
func TestPrefetchInMemoryFree(t *testing.T) {
	im, err := NewImages("im", make([]byte, 40), 2, 2, make([]byte, 10), []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := Subset(im, []int{3, 1, 2})
	sl, _ := Slice(im, 2, 8)
	j, _ := Join([]Named{{"in", sub}}, []Named{{"out", sub}})
	idx := []int{0, 1, 2}
	for _, src := range []Source{im, sub, sl, j} {
		if n := testing.AllocsPerRun(100, func() {
			Prefetch(src, idx)
			if SourceErr(src) != nil {
				t.Fatal("an error")
			}
		}); n != 0 {
			t.Errorf("%T: %v allocations a batch", src, n)
		}
	}
}

// heldBytes counts the bytes of the buffers the stream holds, one by one:
// kept images (queued, decoded or failed) and the rest of their slab,
// read-ahead images in the cache or still in a Fill's hands, and free
// buffers, to check against the cap.
func (s *ImageStream) heldBytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := int64(len(s.slab))
	for i, e := range s.res {
		switch {
		case e != nil:
			n += int64(len(e.pix))
		case s.resPix[i] != nil:
			n += int64(len(s.resPix[i]))
		case s.resErr[i] != nil:
			n += int64(s.f) // its slot in the slab, unused
		}
	}
	seen := map[*streamEntry]bool{}
	for _, e := range s.cache {
		seen[e] = true
		n += int64(len(e.pix))
	}
	for _, e := range s.fifo {
		if !seen[e] && e.pix != nil {
			n += int64(len(e.pix))
		}
	}
	for _, b := range s.free {
		n += int64(len(b))
	}
	return n
}
