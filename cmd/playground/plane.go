package main

import (
	"image"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/train"
	"github.com/gradgraph/gradgraph/viz"
)

// predictBatch caps the rows of one forward pass, so that a fine grid
// through wide layers does not need gigabytes at once.
const predictBatch = 1 << 15

// plane draws a trainer's decision boundary over a data set's points.
type plane struct {
	tr         *train.Trainer
	ds         *data.Dataset
	points     [][2]float64
	labels     []int
	resolution int
}

func newPlane(tr *train.Trainer, ds *data.Dataset, resolution int) (*plane, error) {
	p := &plane{tr: tr, ds: ds, labels: ds.Labels(), resolution: resolution}
	for i := 0; i < ds.Len(); i++ {
		r := ds.Row(i)
		p.points = append(p.points, [2]float64{float64(r[0]), float64(r[1])})
	}
	return p, nil
}

// predict is a viz.BatchPredictor: it runs the whole grid through the model
// in batches of up to predictBatch rows and returns each point's most likely class and its
// probability.
func (p *plane) predict(grid [][2]float64) ([]int, []float64, error) {
	x := make([]float32, 0, 2*len(grid))
	for _, pt := range grid {
		x = append(x, float32(pt[0]), float32(pt[1]))
	}
	g, err := data.NewDataset("grid", x, 2, nil, 0, nil)
	if err != nil {
		return nil, nil, err
	}
	probs, err := p.tr.Predict(g, min(len(grid), predictBatch))
	if err != nil {
		return nil, nil, err
	}
	classes := train.Argmax(probs)
	conf := make([]float64, len(grid))
	for i, row := range probs {
		conf[i] = float64(row[classes[i]])
	}
	return classes, conf, nil
}

// accuracy is the share of the points the model classifies correctly now.
func (p *plane) accuracy() (float64, error) {
	probs, err := p.tr.Predict(p.ds, min(p.ds.Len(), predictBatch))
	if err != nil {
		return 0, err
	}
	correct := 0
	for i, k := range train.Argmax(probs) {
		if k == p.labels[i] {
			correct++
		}
	}
	return float64(correct) / float64(len(probs)), nil
}

func (p *plane) image(title string) (image.Image, error) {
	return viz.DecisionBoundaryImageBatch(p.predict, p.points, p.labels, title, p.resolution)
}

func (p *plane) write(path, title string) error {
	return viz.DecisionBoundaryBatch(path, p.predict, p.points, p.labels, title, p.resolution)
}
