package data

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// makeIDX builds an IDX file of unsigned bytes with the given dimensions and
// data, by hand, independently of the decoder.
func makeIDX(typ byte, dims []uint32, data []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, typ, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, d)
	}
	b.Write(data)
	return b.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

func TestDecodeIDXRoundTrip(t *testing.T) {
	data := make([]byte, 2*3*4)
	for i := range data {
		data[i] = byte(i * 7)
	}
	raw := makeIDX(0x08, []uint32{2, 3, 4}, data)
	sum := sha256.Sum256(raw)
	for _, tc := range []struct {
		name string
		in   []byte
	}{{"raw", raw}, {"gzip", gz(raw)}} {
		m, err := DecodeIDX(bytes.NewReader(tc.in), tc.name)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(m.Dims) != 3 || m.Dims[0] != 2 || m.Dims[1] != 3 || m.Dims[2] != 4 || m.Len() != 2 {
			t.Errorf("%s: dims %v", tc.name, m.Dims)
		}
		if !bytes.Equal(m.Data, data) || m.Type != 0x08 {
			t.Errorf("%s: data differ", tc.name)
		}
		if m.SHA256 != sum {
			t.Errorf("%s: SHA-256 %x, want %x (of the uncompressed bytes)", tc.name, m.SHA256, sum)
		}
		// The same through a file.
		path := filepath.Join(t.TempDir(), "f")
		os.WriteFile(path, tc.in, 0o644)
		f, err := ReadIDX(path)
		if err != nil || !bytes.Equal(f.Data, data) || f.Name != path {
			t.Errorf("%s: ReadIDX: %v", tc.name, err)
		}
	}
}

func TestDecodeIDXErrors(t *testing.T) {
	good := makeIDX(0x08, []uint32{3, 2}, []byte{1, 2, 3, 4, 5, 6})
	corruptGzip := gz(good)
	corruptGzip[len(corruptGzip)-6] ^= 0xff // CRC
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "too short for a header"},
		{"wrong magic", append([]byte{1, 0}, good[2:]...), "not an IDX file: magic 01 00 08 02"},
		{"unsupported type", makeIDX(0x0D, []uint32{1}, []byte{0, 0, 0, 0}), "unsupported element type 0x0D (float32)"},
		{"unknown type", makeIDX(0x42, []uint32{1}, []byte{0}), "unknown element type 0x42"},
		{"no dims", makeIDX(0x08, nil, nil), "0 dimensions"},
		{"zero dim", makeIDX(0x08, []uint32{3, 0}, nil), "dimension 1 is zero"},
		{"truncated header", good[:6], "truncated header"},
		{"truncated", good[:len(good)-2], "truncated: dimensions [3 2] need 6 data bytes, got 4"},
		{"truncated gzip", gz(good)[:20], "bad.idx"},
		{"trailing", append(append([]byte(nil), good...), 9, 9), "2 or more trailing bytes after the 6 data bytes"},
		{"trailing gzip", gz(append(append([]byte(nil), good...), 9)), "trailing bytes"},
		{"corrupt gzip", corruptGzip, "checksum"},
		{"huge declared size", makeIDX(0x08, []uint32{1 << 31, 1 << 31}, []byte{1}), "more than the 1073741824-byte limit"},
		{"huge dims product", makeIDX(0x08, []uint32{1 << 16, 1 << 16, 1 << 16}, []byte{1}), "more than the"},
	} {
		_, err := DecodeIDX(bytes.NewReader(tc.in), "bad.idx")
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "bad.idx") {
			t.Errorf("%s: error %v, want it to name bad.idx and contain %q", tc.name, err, tc.want)
		}
	}
}

// A header that declares 1 GiB but brings 10 bytes must not allocate 1 GiB.
func TestDecodeIDXHostileHeaderDoesNotAllocate(t *testing.T) {
	in := makeIDX(0x08, []uint32{1 << 15, 1 << 15}, make([]byte, 10))
	var before, after runtimeMem
	before.read()
	_, err := DecodeIDX(bytes.NewReader(in), "hostile")
	after.read()
	if err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("error %v, want truncated", err)
	}
	if grew := after.total - before.total; grew > 16<<20 {
		t.Errorf("decoding a 1 GiB header over 10 bytes allocated %d bytes", grew)
	}
	// Through a file, where the size hint is the real file size.
	path := filepath.Join(t.TempDir(), "hostile")
	os.WriteFile(path, gz(in), 0o644)
	before.read()
	_, err = ReadIDX(path)
	after.read()
	if err == nil || after.total-before.total > 16<<20 {
		t.Errorf("ReadIDX of hostile gzip: error %v, allocated %d", err, after.total-before.total)
	}
}

// runtimeMem reads the bytes allocated so far.
type runtimeMem struct{ total uint64 }

func (m *runtimeMem) read() {
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	m.total = s.TotalAlloc
}
