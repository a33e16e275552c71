package report

import (
	"github.com/gradgraph/gradgraph/train"
)

// FromPredictions turns a model's probabilities for a set of samples, with
// their labels, into the report's confusion matrix over classes and a
// Handful of n predictions to draw.
func FromPredictions(probs [][]float32, labels []int, classes, n int) ([][]int, []Prediction, error) {
	predicted := train.Argmax(probs)
	conf, err := ConfusionMatrix(labels, predicted, classes)
	if err != nil {
		return nil, nil, err
	}
	var picks []Prediction
	for _, i := range Handful(labels, predicted, n) {
		p := Prediction{Sample: i, Label: labels[i], Predicted: predicted[i], Probs: make([]float64, len(probs[i]))}
		for j, q := range probs[i] {
			p.Probs[j] = float64(q)
		}
		picks = append(picks, p)
	}
	return conf, picks, nil
}
