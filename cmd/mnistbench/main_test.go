package main

import (
	"math"
	"testing"
)

func TestEpochFLOPIsTheIssuesFigure(t *testing.T) {
	if math.Abs(epochFLOP/1e9-146.3) > 0.1 {
		t.Errorf("nominal epoch work %.2f GFLOP, the issue counts about 146", epochFLOP/1e9)
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}, {[]float64{7}, 7}} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
