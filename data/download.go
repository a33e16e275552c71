package data

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pkg/errors"
)

// defaultClient bounds a download: without a timeout a stalled mirror would
// hang the program forever.
var defaultClient = &http.Client{Timeout: 10 * time.Minute}

// download fetches base.gz from the first mirror that serves it intact into
// dir, where it appears under its final name only once complete and
// verified: it is written to a temporary file in the same folder (so the
// rename cannot cross file systems), checked, synced and renamed. On any
// failure the temporary file is removed, so an interrupted download never
// looks like a data file. What a mirror sends is capped in size, as it
// arrives and once unpacked (downloadCaps): an endless body or a gzip bomb
// stops at the cap with an error naming the URL, file and cap.
func download(o *options, mirrors []string, dir, base, wantSum string) (string, error) {
	if len(mirrors) == 0 {
		return "", errors.New("no mirrors configured")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", errors.Wrap(err, "cannot create the download folder")
	}
	var errs mirrorErrors
	for _, m := range mirrors {
		url := strings.TrimRight(m, "/") + "/" + base + ".gz"
		path, err := fetch(o, url, dir, base, wantSum)
		if err == nil {
			return path, nil
		}
		errs = append(errs, err)
		if o.progress != nil {
			fmt.Fprintf(o.progress, "%v\n", err)
		}
	}
	return "", errs
}

// mirrorErrors holds each mirror's failure, in the order tried. It prints
// on one line, and keeps the errors themselves so that errors.Is and
// errors.As reach each (a *url.Error, io.ErrUnexpectedEOF).
type mirrorErrors []error

func (m mirrorErrors) Error() string {
	msgs := make([]string, len(m))
	for i, err := range m {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

func (m mirrorErrors) Unwrap() []error { return m }

func fetch(o *options, url, dir, base, wantSum string) (path string, err error) {
	client := o.client
	if client == nil {
		client = defaultClient
	}
	resp, err := client.Get(url)
	if err != nil {
		return "", errors.Wrap(err, "download")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", errors.Errorf("download %s: %s", url, resp.Status)
	}

	// The cap depends on what arrives: a gzip stream, or the IDX bytes
	// themselves (a mirror serving them plain, or with Content-Encoding:
	// gzip, which the HTTP client undoes on the fly).
	caps := downloadCaps(wantSum)
	body := bufio.NewReaderSize(resp.Body, 1<<16)
	gzipped := false
	if magic, err := body.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		gzipped = true
	}
	limit, what := caps.raw, "uncompressed"
	if gzipped {
		limit, what = caps.gz, "compressed"
	}
	if resp.ContentLength > limit {
		return "", errors.Errorf("download %s: server announces %d bytes, over the %d-byte cap for %s %s",
			url, resp.ContentLength, limit, what, base)
	}

	tmp, err := os.CreateTemp(dir, "."+base+".*.part")
	if err != nil {
		return "", errors.Wrap(err, "download")
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	capped := &capReader{r: body, limit: limit}
	var src io.Reader = capped
	if o.progress != nil {
		fmt.Fprintf(o.progress, "downloading %s\n", url)
		src = io.TeeReader(src, &progress{w: o.progress, name: base, total: resp.ContentLength})
	}
	n, err := io.Copy(tmp, src)
	if capped.over {
		return "", errors.Errorf("download %s: more than the %d-byte cap for %s %s; stopped after %d bytes",
			url, limit, what, base, n)
	}
	if err != nil {
		return "", errors.Wrapf(err, "download %s: interrupted after %d bytes", url, n)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return "", errors.Errorf("download %s: got %d bytes, server announced %d", url, n, resp.ContentLength)
	}

	// Verify what was written, from the file itself, before it gets its
	// real name: a mirror serving an error page or other data is caught
	// here, not at load time.
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return "", errors.Wrap(err, "download")
	}
	if err := verify(tmp, url, base, gzipped, caps.raw, wantSum); err != nil {
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		return "", errors.Wrap(err, "download")
	}
	if err := tmp.Close(); err != nil {
		return "", errors.Wrap(err, "download")
	}
	name := base
	if gzipped {
		name += ".gz"
	}
	path = filepath.Join(dir, name)
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", errors.Wrap(err, "download")
	}
	// Sync the folder too, so that the rename itself survives a crash.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	if o.progress != nil {
		fmt.Fprintf(o.progress, "saved %s (%d bytes, SHA-256 verified: %v)\n", path, n, wantSum != "")
	}
	return path, nil
}

// verify decodes a downloaded file and checks its checksum. A gzip file is
// unpacked here, through a cap of rawCap bytes, rather than by DecodeIDX:
// a small gzip bomb must not cost the gigabyte its IDX header may declare
// before the checksum gets a say. Nothing is written out while checking.
func verify(f io.Reader, url, base string, gzipped bool, rawCap int64, wantSum string) error {
	var src io.Reader = f
	if gzipped {
		zr, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<16))
		if err != nil {
			return errors.Wrapf(err, "download %s: gzip", url)
		}
		defer zr.Close()
		src = zr
	}
	capped := &capReader{r: src, limit: rawCap}
	inner := bufio.NewReaderSize(capped, 1<<16)
	// DecodeIDX would unpack a gzip stream inside the gzip stream, beyond
	// this cap; no IDX file starts with the gzip magic, so refuse it.
	if magic, err := inner.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		return errors.Errorf("download %s: not an IDX file: a gzip stream inside the gzip stream", url)
	}
	m, err := DecodeIDX(inner, url)
	if capped.over {
		return errors.Errorf("download %s: decompresses to more than the %d-byte cap for uncompressed %s; stopped there",
			url, rawCap, base)
	}
	if err != nil {
		return err
	}
	if wantSum != "" && m.Sum() != wantSum {
		return errors.Errorf("download %s: checksum mismatch: SHA-256 of the content is %s, want %s", url, m.Sum(), wantSum)
	}
	return nil
}

// progress reports download progress at every tenth of the file, or every
// 4 MiB when the size is unknown: lines a log file can hold, unlike a
// carriage-return animation.
type progress struct {
	w           io.Writer
	name        string
	total, done int64
	next        int64
}

func (p *progress) Write(b []byte) (int, error) {
	p.done += int64(len(b))
	if p.done >= p.next {
		if p.total > 0 {
			fmt.Fprintf(p.w, "  %s: %3d%% of %.1f MB\n", p.name, 100*p.done/p.total, float64(p.total)/1e6)
			p.next = p.done + p.total/10
		} else {
			fmt.Fprintf(p.w, "  %s: %.1f MB\n", p.name, float64(p.done)/1e6)
			p.next = p.done + 4<<20
		}
	}
	return len(b), nil
}
