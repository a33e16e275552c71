package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/gradgraph/gradgraph/data"
)

// writeFashion writes Fashion-MNIST's training and test sets as PNG class
// folders dir/train and dir/test (data.WriteImageFolder), for training
// this command on the same images as cmd/mnist -dataset fashion. The
// class folders are the class names with "/" as "_" ("T-shirt_top"); read
// back, they come in sorted order, not Fashion-MNIST's label order.
func writeFashion(dir string, stdout io.Writer) error {
	start := time.Now()
	tr, te, err := data.FashionMNIST("", data.Offline())
	if err != nil {
		return err
	}
	names := make([]string, len(data.FashionMNISTClasses))
	for i, c := range data.FashionMNISTClasses {
		names[i] = strings.ReplaceAll(c, "/", "_")
	}
	for _, part := range []struct {
		name string
		set  *data.Images
	}{{"train", tr}, {"test", te}} {
		if err := data.WriteImageFolder(filepath.Join(dir, part.name), part.set, names); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "Wrote Fashion-MNIST to %s: %d training and %d test images as PNG files in %.1f s\n",
		dir, tr.Len(), te.Len(), time.Since(start).Seconds())
	return nil
}
