package data

import (
	"io"

	"github.com/pkg/errors"
)

// fileSize is the size of a data file as published: gz compressed, raw
// uncompressed.
type fileSize struct{ gz, raw int64 }

// downloadCaps returns how many bytes a download of the file whose content
// has SHA-256 sum may bring: gz for a gzip stream, raw for the IDX bytes
// themselves, both as they arrive and once a gzip stream is unpacked.
//
// For a known file (knownSizes) raw is its exact size, since the checksum
// fixes the content. Mirrors recompress, so the compressed size varies:
// gzip -1 of MNIST's training images is 10,966,503 bytes, 11% over the
// published 9,912,422; half again the published size plus 4 KiB (for a
// gzip header naming the file) leaves room for any compressor that
// compresses at all. For other files (a program's own checksums, or none)
// the caps follow MaxIDXBytes, the most DecodeIDX accepts; deflate's worst
// case, stored blocks, adds 5 bytes per 64 KiB, well within the 0.1% plus
// 4 KiB allowed over it.
func downloadCaps(sum string) fileSize {
	if s, ok := knownSizes[sum]; ok && sum != "" {
		return fileSize{gz: s.gz + s.gz/2 + 4<<10, raw: s.raw}
	}
	raw := MaxIDXBytes + 4 + 4*maxIDXDims
	return fileSize{gz: raw + raw/1000 + 4<<10, raw: raw}
}

// errOverCap is what a capReader returns once its cap is passed.
var errOverCap = errors.New("over the size cap")

// capReader passes on at most limit bytes of r. It reads one byte more to
// tell a stream of exactly limit bytes from a longer one; that byte is
// dropped and the read fails with errOverCap, and over records it, so the
// caller can report the cap whatever error a reader above it made of it.
type capReader struct {
	r     io.Reader
	limit int64
	n     int64 // bytes passed on
	over  bool
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.over {
		return 0, errOverCap
	}
	if room := c.limit - c.n + 1; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := c.r.Read(p)
	if c.n+int64(n) > c.limit {
		c.over = true
		n = int(c.limit - c.n)
		c.n = c.limit
		return n, errOverCap
	}
	c.n += int64(n)
	return n, err
}
