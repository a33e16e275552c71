// Command digits-data loads the 8x8 digits and draws a few, for notebook
// 02-digits-math.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/viz"
)

func main() {
	img := flag.String("img", "out/notebooks/02-digits-math", "folder for the figures")
	flag.Parse()
	if err := os.MkdirAll(*img, 0o755); err != nil {
		log.Fatal(err)
	}
	if err := run(*img); err != nil {
		log.Fatal(err)
	}
}

func run(img string) error {
	fmt.Println("notebook:section data") // notebook:hide
	// notebook:begin data
	digits, err := data.Digits() // embedded: 1797 images of 8x8 pixel counts 0..16
	if err != nil {
		return err
	}
	fmt.Println("samples:", digits.Len(), "features:", digits.Features(), "classes:", digits.NumClasses())
	fmt.Println("per class:", digits.ClassCounts())
	for r := range 8 { // the first image, row by row
		fmt.Printf("%3.0f\n", digits.Row(0)[r*8:r*8+8])
	}
	fmt.Println("label:", digits.Label(0))

	var images [][]float64
	for i := range 24 {
		pix := make([]float64, 64)
		for j, v := range digits.Row(i) {
			pix[j] = float64(v)
		}
		images = append(images, pix)
	}
	if err := viz.Image(filepath.Join(img, "first-digit.png"), images[0], 8, 8, 24); err != nil {
		return err
	}
	// With no predictions yet, the grid is labelled with the true classes.
	if err := viz.DigitGrid(filepath.Join(img, "first-digits.png"), images, 8, 8,
		digits.Labels()[:24], nil, 12); err != nil {
		return err
	}
	// notebook:end

	fmt.Println("notebook:section exercise") // notebook:hide
	// notebook:begin exercise
	// How much of the data is blank: zero pixels overall, and the pixel
	// positions that are 0 in every one of the 1,797 images.
	zeros, inked := 0, make([]bool, 64)
	for i := range digits.Len() {
		for j, v := range digits.Row(i) {
			if v == 0 {
				zeros++
			} else {
				inked[j] = true
			}
		}
	}
	var never []int
	for j, ink := range inked {
		if !ink {
			never = append(never, j)
		}
	}
	fmt.Printf("%d of %d pixels are 0 (%.1f%%)\n", zeros, 64*digits.Len(), 100*float64(zeros)/float64(64*digits.Len()))
	fmt.Printf("positions blank in every image: %v (row, column:", never)
	for _, j := range never {
		fmt.Printf(" (%d, %d)", j/8, j%8)
	}
	fmt.Println(")")
	// notebook:end
	return nil
}
