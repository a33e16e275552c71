// Package reportcheck reads back what report.Write left in a folder and
// checks it as a reader would see it, for the commands' tests: report.html
// parsed as a browser parses it (golang.org/x/net/html), every image in it
// an embedded PNG, every figure equal to metrics.json's, and report.md's
// images present beside it.
package reportcheck

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	stderrors "errors"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/pkg/errors"
	"golang.org/x/net/html"

	"github.com/gradgraph/gradgraph/cmd/internal/report/figure"
)

// Page is what Check found in report.html.
type Page struct {
	// Figures maps each metrics.json key shown to the text shown for it.
	Figures map[string]string
	// Labels maps each key to its row's label.
	Labels map[string]string
	// Images are the embedded PNGs' alt texts, in page order.
	Images []string
}

const dataPNG = "data:image/png;base64,"

// Check reads dir's report.html, report.md and metrics.json and returns
// every disagreement it finds, joined.
func Check(dir string) (*Page, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "metrics.json"))
	if err != nil {
		return nil, err
	}
	var metrics map[string]any
	if err := json.Unmarshal(raw, &metrics); err != nil {
		return nil, errors.Wrap(err, "metrics.json")
	}
	src, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		return nil, err
	}
	doc, err := html.Parse(bytes.NewReader(src))
	if err != nil {
		return nil, errors.Wrap(err, "report.html")
	}
	p := &Page{Figures: map[string]string{}, Labels: map[string]string{}}
	var errs []error
	embedded := map[string][]byte{} // alt → PNG bytes
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			errs = append(errs, checkElement(n, metrics, p, embedded)...)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if len(p.Images) == 0 {
		errs = append(errs, errors.New("report.html has no image"))
	}
	errs = append(errs, checkMarkdown(dir, p, embedded)...)
	return p, stderrors.Join(errs...)
}

// checkElement checks one element: nothing fetched from elsewhere, images
// embedded PNGs, figures equal to metrics.json's.
func checkElement(n *html.Node, metrics map[string]any, p *Page, embedded map[string][]byte) []error {
	var errs []error
	switch n.Data {
	case "script", "link", "iframe", "object":
		errs = append(errs, errors.Errorf("report.html has a <%s>", n.Data))
	}
	for _, a := range n.Attr {
		if (a.Key == "src" || a.Key == "href") && !strings.HasPrefix(a.Val, dataPNG) {
			errs = append(errs, errors.Errorf("<%s %s=%.60q> refers outside the page", n.Data, a.Key, a.Val))
		}
	}
	if n.Data == "img" {
		src, alt := attr(n, "src"), attr(n, "alt")
		b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(src, dataPNG))
		if err == nil {
			im, derr := png.Decode(bytes.NewReader(b))
			if derr != nil {
				err = derr
			} else if r := im.Bounds(); r.Dx() == 0 || r.Dy() == 0 {
				err = errors.Errorf("%dx%d", r.Dx(), r.Dy())
			}
		}
		if err != nil {
			errs = append(errs, errors.Wrapf(err, "<img alt=%q>", alt))
		}
		p.Images = append(p.Images, alt)
		embedded[alt] = b
	}
	if key := attr(n, "data-key"); key != "" {
		text := textOf(n)
		p.Figures[key] = text
		if th := n.PrevSibling; th != nil {
			for th != nil && th.Type != html.ElementNode {
				th = th.PrevSibling
			}
			if th != nil {
				p.Labels[key] = textOf(th)
			}
		}
		if err := checkFigure(key, attr(n, "data-value"), text, metrics); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// checkFigure compares a figure's exact value and its text with
// metrics.json's value for key: a loss or metric (figure.Is) must
// show four decimals, as Keras's logs do; other text may round a fraction
// to four significant digits, or a number of 1000 or more to one decimal.
func checkFigure(key, value, text string, metrics map[string]any) error {
	want, ok := metrics[key]
	if !ok {
		return errors.Errorf("%s is shown but not in metrics.json", key)
	}
	var got any
	if err := json.Unmarshal([]byte(value), &got); err != nil {
		return errors.Wrapf(err, "%s: data-value %q", key, value)
	}
	if !reflect.DeepEqual(got, want) {
		return errors.Errorf("%s: the page's exact value %v, metrics.json %v", key, got, want)
	}
	switch w := want.(type) {
	case float64:
		if figure.Is(key) && !math.IsInf(w, 0) {
			if want := figure.Format(w); text != want {
				return errors.Errorf("%s: shown as %s, want %s (four decimals of metrics.json's %v)", key, text, want, w)
			}
			return nil
		}
		shown, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return errors.Errorf("%s: shown as %q, not a number (metrics.json %v)", key, text, w)
		}
		tol := 0.0
		switch {
		case w == math.Trunc(w):
		case math.Abs(w) >= 1000:
			tol = 0.05
		default: // half a unit in the fourth significant digit
			tol = 0.5 * math.Pow(10, math.Floor(math.Log10(math.Abs(w)))-3)
		}
		if math.Abs(shown-w) > tol*(1+1e-9) {
			return errors.Errorf("%s: shown as %s, metrics.json %v", key, text, w)
		}
	case string:
		if text != w {
			return errors.Errorf("%s: shown as %q, metrics.json %q", key, text, w)
		}
	case bool:
		if want := map[bool]string{true: "on", false: "off"}[w]; text != want {
			return errors.Errorf("%s: shown as %q, metrics.json %v", key, text, w)
		}
	}
	return nil
}

var mdImage = regexp.MustCompile(`!\[((?:\\.|[^\]])*)\]\(([^)]+)\)`)

// checkMarkdown checks that report.md shows the same figures as
// report.html, its images being the same PNGs as files beside it.
func checkMarkdown(dir string, p *Page, embedded map[string][]byte) []error {
	raw, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		return []error{err}
	}
	md := unescape(string(raw))
	var errs []error
	refs := mdImage.FindAllStringSubmatch(string(raw), -1)
	if len(refs) != len(p.Images) {
		errs = append(errs, errors.Errorf("report.md has %d images, report.html %d", len(refs), len(p.Images)))
	}
	for _, r := range refs {
		alt, file := unescape(r[1]), r[2]
		if strings.Contains(file, "/") || strings.Contains(file, ":") {
			errs = append(errs, errors.Errorf("report.md: image %s is not a file beside it", file))
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			errs = append(errs, errors.Wrap(err, "report.md"))
			continue
		}
		if want, ok := embedded[alt]; !ok || !bytes.Equal(b, want) {
			errs = append(errs, errors.Errorf("report.md: %s (%q) is not the PNG report.html embeds", file, alt))
		}
	}
	for key, text := range p.Figures {
		if row := fmt.Sprintf("| %s | %s |", p.Labels[key], text); !strings.Contains(md, row) {
			errs = append(errs, errors.Errorf("report.md lacks the row %q (%s)", row, key))
		}
	}
	return errs
}

// unescape undoes report.md's backslash escapes.
func unescape(s string) string {
	s = regexp.MustCompile(`\\(.)`).ReplaceAllString(s, "$1")
	return strings.ReplaceAll(s, "&lt;", "<")
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// textOf is the text inside n.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

// Summary finds the model summary's fenced code block in report.md's text:
// the fence that opens it, the text inside, and everything after the
// closing fence. It fails when there is no Model section, the block does
// not open with three or more backticks, or no line equal to the opening
// fence closes it.
func Summary(md string) (fence, body, after string, err error) {
	const head = "\n## Model\n\n"
	i := strings.Index(md, head)
	if i < 0 {
		return "", "", "", errors.New("report.md has no Model section")
	}
	rest := md[i+len(head):]
	nl := strings.Index(rest, "\n")
	if nl < 0 || !strings.HasPrefix(rest, "```") || strings.Trim(rest[:nl], "`") != "" {
		return "", "", "", errors.New("report.md's Model section does not open with a code fence")
	}
	fence, rest = rest[:nl], rest[nl+1:]
	end := strings.Index(rest, "\n"+fence+"\n")
	if end < 0 {
		return "", "", "", errors.Errorf("report.md's summary block is not closed by its fence %s", fence)
	}
	return fence, rest[:end], rest[end+len(fence)+2:], nil
}
