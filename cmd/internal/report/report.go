package report

import (
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

// Report is what a command knows at the end of a run, for Write to turn
// into metrics.json, the figures and report.html / report.md. Every figure
// the report prints is read from Metrics (after Write has added the
// history's and the confusion matrix's), so the page and metrics.json
// cannot disagree.
type Report struct {
	Title   string         // heading of the page
	Command string         // the program, e.g. "iris"
	Metrics map[string]any // metrics.json's fields
	// Sections list the fields of Metrics the report shows, in order;
	// rows whose key is not in Metrics are left out.
	Sections []Section

	History     *train.History // this run's epochs; none for a checkpoint only evaluated
	BestEpoch   int            // index into History.Epoch of the restored weights; -1 for none
	CurvesTitle string

	Model   *nn.Model // summary and layer diagram
	Summary string    // Model.Summary(), printed as is

	// Confusion counts the samples named in ConfusionOf by true class (rows)
	// and predicted class (columns).
	Confusion   [][]int
	ConfusionOf string // "test set", "training samples"
	Classes     []string

	Predictions []Prediction // a handful, drawn with their probability bars

	// Figures are PNGs the command drew itself into the folder, shown
	// after the curves under their titles.
	Figures []Figure
}

// Figure is a PNG file in the output folder with its heading.
type Figure struct {
	File, Title string
}

// Section is a titled table of metrics.json fields.
type Section struct {
	Title string
	Rows  []Row
}

// Row shows the field Key of metrics.json under Label.
type Row struct {
	Label, Key string
}

// Prediction is the model's answer on one sample.
type Prediction struct {
	Sample           int // index in its set, for the caption
	Probs            []float64
	Label, Predicted int
	// Pixels, when set, is the sample as a Width×Height grey image, drawn
	// beside its bars.
	Pixels        []float64
	Width, Height int
}

// Table is a Section of rows given as label, key, label, key...; a label
// without a key shows nothing, as a key absent from metrics.json.
func Table(title string, labelKeys ...string) Section {
	s := Section{Title: title}
	for i := 0; i+1 < len(labelKeys); i += 2 {
		s.Rows = append(s.Rows, Row{Label: labelKeys[i], Key: labelKeys[i+1]})
	}
	return s
}
