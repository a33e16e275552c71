package opmeta

import (
	"bytes"
	"fmt"
	"testing"
)

type fakeOp struct {
	Owned
	units int
}

type hashBuf struct{ bytes.Buffer }

func (*hashBuf) Sum([]byte) []byte { return nil }
func (*hashBuf) Size() int         { return 0 }
func (*hashBuf) BlockSize() int    { return 1 }

// TestOwnedIsHashedByAddress: two ops with the same parameters hash
// differently (Gorgonia must not merge them), one op hashes the same
// every time, and what WriteHash writes names the op's own address.
func TestOwnedIsHashedByAddress(t *testing.T) {
	a, b := &fakeOp{units: 8}, &fakeOp{units: 8}
	if a.Hashcode() == b.Hashcode() {
		t.Errorf("two ops with equal parameters share the hash %d", a.Hashcode())
	}
	if h1, h2 := a.Hashcode(), a.Hashcode(); h1 != h2 {
		t.Errorf("an op's hash changes between calls: %d then %d", h1, h2)
	}
	var h hashBuf
	a.WriteHash(&h)
	if want := fmt.Sprintf("gradgraph op %p", a); h.String() != want {
		t.Errorf("WriteHash wrote %q, want %q (the op's address)", h.String(), want)
	}
	if a.ReturnsPtr() || a.CallsExtern() || a.OverwritesInput() != -1 {
		t.Errorf("Pure answers ReturnsPtr %v, CallsExtern %v, OverwritesInput %d; want false, false, -1",
			a.ReturnsPtr(), a.CallsExtern(), a.OverwritesInput())
	}
}
