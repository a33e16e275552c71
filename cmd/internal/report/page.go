package report

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"image/png"
	"os"
	"path/filepath"

	"github.com/pkg/errors"
)

// page is what report.html and report.md show, in the order they show it.
type page struct {
	Title, Command, Summary string
	Sections                []pageSection
	Curves, Confusion       *image
	Figures                 []titled
	ConfusionOf             string
	Model                   *image
	Predictions             []pagePrediction
}

// titled is a figure under its own heading.
type titled struct {
	Title string
	Image *image
}

type pageSection struct {
	Title string
	Rows  []pageRow
}

// pageRow is one metrics.json field: Text for the reader, Value its exact
// JSON for a test to compare with the file.
type pageRow struct {
	Label, Key, Text, Value string
}

type pagePrediction struct {
	Caption     string
	Bars, Image *image
}

// image is a figure as a file beside report.md and as a data: URI for
// report.html, which must open with no other file and no network.
type image struct {
	File, Alt string
	URI       template.URL
}

// newPage gathers r's tables from metrics, the figures' bytes from dir.
func newPage(dir string, r Report, metrics map[string]any, f figures) (*page, error) {
	p := &page{Title: r.Title, Command: r.Command, Summary: r.Summary, ConfusionOf: r.ConfusionOf}
	for _, s := range append(append([]Section{}, r.Sections...), historySections(r.History, r.BestEpoch)...) {
		ps := pageSection{Title: s.Title}
		for _, row := range s.Rows {
			v, ok := metrics[row.Key]
			if !ok {
				continue
			}
			exact, err := json.Marshal(v)
			if err != nil {
				return nil, errors.Wrapf(err, "report: %s", row.Key)
			}
			ps.Rows = append(ps.Rows, pageRow{Label: row.Label, Key: row.Key, Text: DisplayKey(row.Key, v), Value: string(exact)})
		}
		if len(ps.Rows) > 0 {
			p.Sections = append(p.Sections, ps)
		}
	}
	var err error
	embed := func(file, alt string) *image {
		if file == "" || err != nil {
			return nil
		}
		var img *image
		img, err = embedPNG(dir, file, alt)
		return img
	}
	p.Curves = embed(f.curves, "training curves")
	for _, fig := range r.Figures {
		p.Figures = append(p.Figures, titled{Title: fig.Title, Image: embed(fig.File, fig.Title)})
	}
	p.Confusion = embed(f.confusion, "confusion matrix, "+r.ConfusionOf)
	p.Model = embed(f.model, "layer diagram")
	for _, pf := range f.predictions {
		p.Predictions = append(p.Predictions, pagePrediction{
			Caption: pf.caption,
			Bars:    embed(pf.bars, "probabilities: "+pf.caption),
			Image:   embed(pf.sample, "sample: "+pf.caption),
		})
	}
	return p, err
}

// embedPNG reads dir/file, checks that it is a PNG and returns it with its
// data: URI.
func embedPNG(dir, file, alt string) (*image, error) {
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return nil, errors.Wrap(err, "report: embedding a figure")
	}
	if _, err := png.DecodeConfig(bytes.NewReader(b)); err != nil {
		return nil, errors.Wrapf(err, "report: %s is not a PNG", file)
	}
	// html/template would replace a data: URL given as a string with
	// #ZgotmplZ; this one is built here from a PNG's bytes, so it is safe.
	uri := template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b))
	return &image{File: file, Alt: alt, URI: uri}, nil
}
