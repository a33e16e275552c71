// Command iris-data loads the Iris data set as a tensor, splits it and
// scales it, for notebook 01-iris.
package main

import (
	"fmt"
	"log"
	"slices"

	"gonum.org/v1/gonum/stat"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/data"
)

func main() {
	fmt.Println("notebook:section data") // notebook:hide
	// notebook:begin load
	iris, err := data.Iris() // embedded: 150 flowers, 4 measurements, 3 classes
	if err != nil {
		log.Fatal(err)
	}
	// The features as a rank-2 tensor: one row per flower.
	x := tensor.New(tensor.WithShape(iris.Len(), iris.Features()), tensor.WithBacking(iris.X))
	fmt.Println("features:", iris.FeatureNames)
	fmt.Println("classes: ", iris.Classes, "counts", iris.ClassCounts())
	fmt.Println("X shape:", x.Shape(), "dtype:", x.Dtype())
	first, _ := x.Slice(tensor.S(0, 3))
	fmt.Printf("first three rows:\n%v\n", first)
	fmt.Println("their labels:", iris.Labels()[:3])
	// notebook:end

	// notebook:begin split

	// 80/20 split, stratified, then standardise with the training set's
	// mean and deviation only.
	trainSet, testSet, err := data.TrainTestSplit(iris, 0.2, 42, true)
	if err != nil {
		log.Fatal(err)
	}
	var scaler data.StandardScaler
	if err := scaler.FitTransform(trainSet); err != nil {
		log.Fatal(err)
	}
	if err := scaler.Transform(testSet); err != nil {
		log.Fatal(err)
	}
	fmt.Println("train:", trainSet.Len(), "samples, counts", trainSet.ClassCounts())
	fmt.Println("test: ", testSet.Len(), "samples, counts", testSet.ClassCounts())
	for j, name := range iris.FeatureNames {
		fmt.Printf("%-18s training mean %.3f, std %.3f\n", name, scaler.Mean[j], scaler.Scale[j])
	}
	fmt.Printf("first test row after scaling: %.3f\n", testSet.Row(0))
	// notebook:end

	// notebook:begin random
	// What a random (unstratified) 30-flower test set looks like, over
	// 1000 seeds: the counts of its smallest class.
	_, random42, err := data.TrainTestSplit(iris, 0.2, 42, false)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("unstratified, seed 42: test counts", random42.ClassCounts())
	smallest := map[int]int{}
	for seed := range int64(1000) {
		_, t, err := data.TrainTestSplit(iris, 0.2, seed+1, false)
		if err != nil {
			log.Fatal(err)
		}
		smallest[slices.Min(t.ClassCounts())]++
	}
	for k := range 11 {
		if smallest[k] > 0 {
			fmt.Printf("smallest class has %d test flowers: %d of 1000 seeds\n", k, smallest[k])
		}
	}
	// notebook:end

	fmt.Println("notebook:section exercise") // notebook:hide
	// notebook:begin exercise
	// The 30 test rows, scaled with the training rows' μ and σ.
	for j, name := range iris.FeatureNames {
		var col []float64
		for i := range testSet.Len() {
			col = append(col, float64(testSet.Row(i)[j]))
		}
		fmt.Printf("%-18s test mean %+.3f, std %.3f\n", name, stat.Mean(col, nil), stat.PopStdDev(col, nil))
	}
	// notebook:end
}
