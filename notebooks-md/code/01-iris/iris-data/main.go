// Command iris-data loads the Iris data set as a tensor, splits it and
// scales it, for notebook 01-iris.
package main

import (
	"fmt"
	"log"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/data"
)

func main() {
	// notebook:begin
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
}
