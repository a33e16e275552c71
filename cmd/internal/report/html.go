package report

import (
	"bytes"
	"html/template"

	"github.com/pkg/errors"
)

// htmlPage lays out report.html: one file, its figures inline, no scripts
// and nothing fetched, so that it opens anywhere and can be mailed.
var htmlPage = template.Must(template.New("report.html").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 62em; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.5em 1.5em 1em 0; display: inline-table; vertical-align: top; }
caption { text-align: left; font-weight: bold; padding-bottom: 0.3em; }
th, td { text-align: left; padding: 0.2em 0.8em; border-bottom: 1px solid #eee; }
td.value { font-family: ui-monospace, monospace; text-align: right; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
figure { display: inline-block; width: 22em; margin: 0.5em; vertical-align: top; }
figure img { width: 100%; }
figure img.sample { width: 6em; image-rendering: pixelated; display: block; }
figcaption { font-size: 0.9em; color: #555; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p>Written by gradgraph's <code>{{.Command}}</code> command. Every figure below is the one in metrics.json beside this file.</p>
<h2>Settings and results</h2>
{{range .Sections}}<table>
<caption>{{.Title}}</caption>
{{range .Rows}}<tr><th>{{.Label}}</th><td class="value" data-key="{{.Key}}" data-value="{{.Value}}">{{.Text}}</td></tr>
{{end}}</table>
{{end}}
<h2>Training curves</h2>
{{with .Curves}}<img src="{{.URI}}" alt="{{.Alt}}">{{else}}<p>No epochs were run: the model was only evaluated.</p>{{end}}
{{range .Figures}}<h2>{{.Title}}</h2>
<img src="{{.Image.URI}}" alt="{{.Image.Alt}}">
{{end}}{{with .Confusion}}<h2>Confusion matrix</h2>
<p>{{$.ConfusionOf}}: true classes down, predicted classes across.</p>
<img src="{{.URI}}" alt="{{.Alt}}">
{{end}}{{if .Predictions}}<h2>Predictions</h2>
{{range .Predictions}}<figure>
{{with .Image}}<img class="sample" src="{{.URI}}" alt="{{.Alt}}">
{{end}}{{with .Bars}}<img src="{{.URI}}" alt="{{.Alt}}">
{{end}}<figcaption>{{.Caption}}</figcaption>
</figure>
{{end}}{{end}}
<h2>Model</h2>
{{with .Summary}}<pre>{{.}}</pre>
{{end}}{{with .Model}}<img src="{{.URI}}" alt="{{.Alt}}">
{{end}}</body>
</html>
`))

// html renders report.html.
func (p *page) html() ([]byte, error) {
	var buf bytes.Buffer
	if err := htmlPage.Execute(&buf, p); err != nil {
		return nil, errors.Wrap(err, "report.html")
	}
	return buf.Bytes(), nil
}
