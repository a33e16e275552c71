package graph

import (
	"runtime"
	"testing"
	"weak"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestMachineIsCollected builds and runs a training machine over a param,
// drops everything, and checks that the garbage collector frees the
// param's tensor. Gorgonia's tape machine carries a finalizer and sits in
// a reference cycle, which Go never collects: before Compile cleared the
// finalizer, every machine leaked with all it reached.
func TestMachineIsCollected(t *testing.T) {
	var w weak.Pointer[tensor.Dense]
	func() {
		b, err := NewBuilder(Float32, 4, true)
		if err != nil {
			t.Fatal(err)
		}
		p, err := NewParam("w", Float32, true, 3, 2)
		if err != nil {
			t.Fatal(err)
		}
		w = weak.Make(p.Value)
		x := b.Input("x", 4, 3)
		pn, err := b.Param(p)
		if err != nil {
			t.Fatal(err)
		}
		loss := G.Must(G.Sum(G.Must(G.Mul(x.Node, pn))))
		m, err := b.Compile(loss, []*Param{p})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Run(nil); err != nil {
			t.Fatal(err)
		}
	}()
	for i := 0; i < 4 && w.Value() != nil; i++ {
		runtime.GC()
	}
	if w.Value() != nil {
		t.Error("the param's tensor is still reachable after its builder and machine were dropped: the machine leaks")
	}
}
