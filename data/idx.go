package data

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"io"
	"os"

	"github.com/pkg/errors"
)

// IDX is one decoded IDX file: the format of MNIST and its relatives, a
// header of two zero bytes, an element type, a dimension count and the big
// endian uint32 dimensions, then the elements in row-major order.
type IDX struct {
	// Name is the file the data came from, for messages.
	Name string
	// Type is the element type code; only 0x08 (unsigned byte) is decoded.
	Type byte
	// Dims are the dimensions, outermost first: {N, rows, cols} for images.
	Dims []int
	// Data holds the product of Dims elements.
	Data []byte
	// SHA256 is the SHA-256 of the uncompressed file, header included, as
	// published checksums are: gzip bytes differ from mirror to mirror.
	SHA256 [sha256.Size]byte
}

// Sum returns SHA256 in hex.
func (m *IDX) Sum() string { return hex.EncodeToString(m.SHA256[:]) }

// MaxIDXBytes caps the data an IDX file may declare. It is a variable so
// that a program with larger files can raise it; the default, 1 GiB, is
// twenty times MNIST's training images.
var MaxIDXBytes int64 = 1 << 30

// idxTypes names the element types of the IDX format, for messages.
var idxTypes = map[byte]string{
	0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "int16",
	0x0C: "int32", 0x0D: "float32", 0x0E: "float64",
}

// maxIDXDims bounds the dimension count; real files have 1 to 4.
const maxIDXDims = 8

// ReadIDX reads an IDX file, gzip-compressed or not.
func ReadIDX(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "data: ReadIDX")
	}
	defer f.Close()
	return decodeIDX(f, path, sizeHint(f))
}

// DecodeIDX decodes IDX data from r, gzip-compressed or not (told apart by
// the gzip magic bytes 0x1f 0x8b, which no IDX header starts with). name
// appears in errors.
//
// The header is checked before anything is allocated for the data, and the
// data is read in growing chunks, so a corrupt or hostile header that
// declares gigabytes costs only as much memory as there are bytes behind
// it. The data must fill the declared dimensions exactly: a short file and
// trailing bytes are both errors.
func DecodeIDX(r io.Reader, name string) (*IDX, error) {
	return decodeIDX(r, name, -1)
}

// sizeHint returns the uncompressed size of an open file, or -1: the file
// size for raw data, the gzip trailer's ISIZE (the size mod 2^32) for gzip.
// It only lets the reader allocate the exact size up front; it is never
// trusted beyond that.
func sizeHint(f *os.File) int64 {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return -1
	}
	var head [2]byte
	if _, err := f.ReadAt(head[:], 0); err != nil {
		return -1
	}
	if head != [2]byte{0x1f, 0x8b} {
		return st.Size()
	}
	var tail [4]byte
	if st.Size() < 18 {
		return -1
	}
	if _, err := f.ReadAt(tail[:], st.Size()-4); err != nil {
		return -1
	}
	isize := int64(binary.LittleEndian.Uint32(tail[:]))
	// DEFLATE cannot expand data more than about 1032 times; a larger claim
	// is a lie and must not buy a large allocation.
	if isize > 1100*st.Size() {
		return -1
	}
	return isize
}

// hashReader feeds everything read through it to a hash.
type hashReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func (h *hashReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	return n, err
}

func decodeIDX(r io.Reader, name string, hint int64) (*IDX, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var src io.Reader = br
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, errors.Wrapf(err, "data: %s: gzip", name)
		}
		defer zr.Close()
		src = zr
	}
	hr := &hashReader{r: src, h: sha256.New()}

	var head [4]byte
	if _, err := io.ReadFull(hr, head[:]); err != nil {
		return nil, errors.Errorf("data: %s: not an IDX file: %d-byte file too short for a header", name, hr.n)
	}
	if head[0] != 0 || head[1] != 0 {
		return nil, errors.Errorf("data: %s: not an IDX file: magic % x, want 00 00 then type and dimension count", name, head[:])
	}
	typ, ndim := head[2], int(head[3])
	if typ != 0x08 {
		if t, ok := idxTypes[typ]; ok {
			return nil, errors.Errorf("data: %s: unsupported element type 0x%02X (%s); only 0x08 unsigned byte is supported", name, typ, t)
		}
		return nil, errors.Errorf("data: %s: unknown element type 0x%02X", name, typ)
	}
	if ndim < 1 || ndim > maxIDXDims {
		return nil, errors.Errorf("data: %s: %d dimensions, want 1 to %d", name, ndim, maxIDXDims)
	}
	dimBytes := make([]byte, 4*ndim)
	if _, err := io.ReadFull(hr, dimBytes); err != nil {
		return nil, errors.Errorf("data: %s: truncated header: %d dimensions declared, file ends after %d bytes", name, ndim, hr.n)
	}
	dims := make([]int, ndim)
	size := int64(1)
	for i := range dims {
		d := int64(binary.BigEndian.Uint32(dimBytes[4*i:]))
		if d == 0 {
			return nil, errors.Errorf("data: %s: dimension %d is zero", name, i)
		}
		// Checked before multiplying, so the product cannot overflow.
		if d > MaxIDXBytes || size*d > MaxIDXBytes {
			return nil, errors.Errorf("data: %s: dimensions %v declare more than the %d-byte limit (MaxIDXBytes)",
				name, readDims(dimBytes), MaxIDXBytes)
		}
		size *= d
		dims[i] = int(d)
	}

	headerLen := int64(4 + 4*ndim)
	data, err := readExactly(hr, size, hint-headerLen)
	if err != nil {
		return nil, errors.Wrapf(err, "data: %s", name)
	}
	if int64(len(data)) < size {
		return nil, errors.Errorf("data: %s: truncated: dimensions %v need %d data bytes, got %d",
			name, dims, size, len(data))
	}
	// Reading on to the end both finds trailing bytes and makes the gzip
	// reader verify its CRC, which it only does at the end of the stream.
	var extra [512]byte
	trailing := int64(0)
	for {
		n, err := hr.Read(extra[:])
		trailing += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, errors.Wrapf(err, "data: %s", name)
		}
		if trailing > 1<<20 {
			break
		}
	}
	if trailing > 0 {
		return nil, errors.Errorf("data: %s: %d or more trailing bytes after the %d data bytes that dimensions %v declare",
			name, trailing, size, dims)
	}
	m := &IDX{Name: name, Type: typ, Dims: dims, Data: data}
	hr.h.Sum(m.SHA256[:0])
	return m, nil
}

func readDims(b []byte) []uint32 {
	out := make([]uint32, len(b)/4)
	for i := range out {
		out[i] = binary.BigEndian.Uint32(b[4*i:])
	}
	return out
}

// readExactly reads up to size bytes from r, returning fewer only at EOF.
// It allocates the full size at once only when hint (the data size the
// file itself suggests) agrees; otherwise it grows the buffer as bytes
// arrive, so memory follows the data actually present.
func readExactly(r io.Reader, size, hint int64) ([]byte, error) {
	const chunk = 1 << 20
	initial := size
	if hint != size && initial > chunk {
		initial = chunk
	}
	buf := make([]byte, 0, initial)
	for int64(len(buf)) < size {
		if len(buf) == cap(buf) {
			next := min(2*int64(cap(buf)), size)
			grown := make([]byte, len(buf), next)
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			if err == io.ErrUnexpectedEOF {
				break
			}
			return nil, err
		}
	}
	return buf, nil
}

// Len returns the first dimension: the number of items.
func (m *IDX) Len() int { return m.Dims[0] }
