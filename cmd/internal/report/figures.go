package report

import (
	"fmt"
	"path/filepath"

	"github.com/gradgraph/gradgraph/viz"
)

// figures are the file names, in the output folder, of the pictures a
// report shows; empty when not drawn.
type figures struct {
	curves, confusion, model string
	predictions              []predictionFigure
}

// predictionFigure is one prediction's bar chart, its sample as an image
// when it is one, and a caption.
type predictionFigure struct {
	bars, sample, caption string
}

// sampleWidth is about how wide, in pixels, a sample image is drawn.
const sampleWidth = 112

// writeFigures draws r's confusion matrix, layer diagram and predictions
// into dir. curves.png is Training's; it is shown when there were epochs.
func writeFigures(dir string, r Report) (figures, error) {
	var f figures
	if r.History != nil && len(r.History.Epoch) > 0 {
		f.curves = "curves.png"
	}
	if r.Confusion != nil {
		f.confusion = "confusion.png"
		// The figure is as narrow as its classes are few: a short title.
		if err := viz.ConfusionMatrix(filepath.Join(dir, f.confusion), r.Confusion, r.Classes, "Confusion matrix"); err != nil {
			return f, err
		}
	}
	if r.Model != nil {
		f.model = "model.png"
		if err := Diagram(filepath.Join(dir, f.model), r.Model); err != nil {
			return f, err
		}
	}
	for i, p := range r.Predictions {
		pf := predictionFigure{
			bars: fmt.Sprintf("prediction_%d.png", i+1),
			caption: fmt.Sprintf("Sample %d: predicted %s, true %s",
				p.Sample, className(r.Classes, p.Predicted), className(r.Classes, p.Label)),
		}
		if err := viz.Probabilities(filepath.Join(dir, pf.bars), p.Probs, r.Classes, p.Label, pf.caption); err != nil {
			return f, err
		}
		if len(p.Pixels) > 0 {
			pf.sample = fmt.Sprintf("sample_%d.png", i+1)
			scale := max(1, sampleWidth/max(1, p.Width))
			if err := viz.Image(filepath.Join(dir, pf.sample), p.Pixels, p.Width, p.Height, scale); err != nil {
				return f, err
			}
		}
		f.predictions = append(f.predictions, pf)
	}
	return f, nil
}

// className names class i: its name and, when that is not the number
// itself, the index too.
func className(classes []string, i int) string {
	if i >= 0 && i < len(classes) && classes[i] != fmt.Sprint(i) {
		return fmt.Sprintf("%d (%s)", i, classes[i])
	}
	return fmt.Sprint(i)
}
