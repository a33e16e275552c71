package data_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/gradgraph/gradgraph/data"
)

func ExampleIris() {
	iris, err := data.Iris()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(iris.Len(), "samples of", iris.Features(), "features:", iris.FeatureNames)
	fmt.Println("classes:", iris.Classes, iris.ClassCounts())
	fmt.Println("first:", iris.Row(0), iris.Classes[iris.Label(0)])
	// Output:
	// 150 samples of 4 features: [sepal_length sepal_width petal_length petal_width]
	// classes: [setosa versicolor virginica] [50 50 50]
	// first: [5.1 3.5 1.4 0.2] setosa
}

func ExampleTrainTestSplit() {
	iris, err := data.Iris()
	if err != nil {
		log.Fatal(err)
	}
	// 20% for testing, stratified: each species keeps its third.
	train, test, err := data.TrainTestSplit(iris, 0.2, 42, true)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("train", train.Len(), train.ClassCounts())
	fmt.Println("test ", test.Len(), test.ClassCounts())
	// Output:
	// train 120 [40 40 40]
	// test  30 [10 10 10]
}

func ExampleStandardScaler() {
	iris, err := data.Iris()
	if err != nil {
		log.Fatal(err)
	}
	train, test, err := data.TrainTestSplit(iris, 0.2, 42, true)
	if err != nil {
		log.Fatal(err)
	}
	// Fit on the training data only, then scale both sides with it.
	var s data.StandardScaler
	if err := s.FitTransform(train); err != nil {
		log.Fatal(err)
	}
	if err := s.Transform(test); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("sepal length: mean %.2f, std %.2f\n", s.Mean[0], s.Scale[0])

	whole, _ := data.Iris()
	var all data.StandardScaler
	if err := all.FitTransform(whole); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("all of Iris: mean %.4f, std %.4f\n", all.Mean, all.Scale)
	fmt.Printf("first row scaled: %.3f\n", whole.Row(0))
	// Output:
	// sepal length: mean 5.78, std 0.80
	// all of Iris: mean [5.8433 3.0573 3.7580 1.1993], std [0.8253 0.4344 1.7594 0.7597]
	// first row scaled: [-0.901 1.019 -1.340 -1.315]
}

func ExampleOneHot() {
	y, err := data.OneHot([]int{2, 0, 1}, 3)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(y[0:3], y[3:6], y[6:9])

	iris, _ := data.Iris()
	dense, err := iris.OneHot()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(dense.TargetWidth(), dense.Target(0), dense.Target(149))
	// Output:
	// [0 0 1] [1 0 0] [0 1 0]
	// 3 [1 0 0] [0 0 1]
}

func ExampleReadCSVTable() {
	const train = `id,colour,size,price,label
1,red,3.5,10,keep
2,blue,1.0,4,return
3,"dark, red",2.0,7,keep
`
	opt := data.CSVOptions{
		Header:   true,
		Label:    data.LabelNamed("label"),
		Features: []string{"size", "colour"}, // id and price are not read
		Encode: map[string]data.Encoding{
			"colour": {Kind: data.OneHotEncoding},
			"label":  {Kind: data.IndexEncoding},
		},
	}
	t, err := data.ReadCSVTable(strings.NewReader(train), "train.csv", opt)
	if err != nil {
		log.Fatal(err)
	}
	d := t.Data
	fmt.Printf("%q\n", d.FeatureNames)
	for i := 0; i < d.Len(); i++ {
		fmt.Println(d.Row(i), d.Classes[d.Label(i)])
	}

	// The recorded options encode a test file the same way.
	test, err := data.ReadCSV(strings.NewReader("label,colour,size\nkeep,blue,2.5\n"), "test.csv", t.Options)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(test.Row(0), test.Classes[test.Label(0)])
	_, err = data.ReadCSV(strings.NewReader("label,colour,size\nkeep,green,1\n"), "test.csv", t.Options)
	fmt.Println(err)
	// Output:
	// ["size" "colour=blue" "colour=dark, red" "colour=red"]
	// [3.5 0 0 1] keep
	// [1 1 0 0] return
	// [2 0 1 0] keep
	// [2.5 1 0 0] keep
	// data: test.csv:2: column 2 (colour): "green" is not one of the 3 categories ["blue" "dark, red" "red"]; list it in CSVOptions.Encode["colour"].Categories or set a Fallback
}
