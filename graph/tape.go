package graph

import (
	"reflect"
	"runtime/debug"
	"unsafe"

	G "gorgonia.org/gorgonia"
)

// Gorgonia's TapeMachine.RunAll executes the tape on a goroutine of its
// own while the caller, locked to its OS thread (for CUDA contexts), waits
// on channels. Every run therefore hands the CPU from one OS thread to
// another and back; on the 2-vCPU machine this was tuned on, the woken
// thread often shared a core with a spinning pool worker for a while, and
// the MNIST epoch took 0.37–0.44 s through RunAll against 0.345 s (three
// runs in a row, within 1%) with the tape's loop called on the calling
// goroutine. runTape does the latter when the binary holds the Gorgonia
// release whose loop it was checked against, and calls RunAll otherwise.
// What RunAll adds around the loop (ExternMetadata work, closures queued
// for BindDualValues) is empty for the machines Compile makes: CPU only,
// no batched BLAS, no dual values.

//go:linkname tapeRunAll gorgonia.org/gorgonia.(*tapeMachine).runall
func tapeRunAll(m unsafe.Pointer, errChan chan error, doneChan chan struct{})

// checkedGorgonia is the Gorgonia release whose (*tapeMachine).runall
// tapeRunAll matches (vm_tape.go): signature, and that it reports the end
// on doneChan or the first error on errChan, once. TestGorgoniaPinned
// fails when go.mod names another.
const checkedGorgonia = "v0.9.18"

// directTape reports whether runTape may call the loop directly: in a
// binary built with checkedGorgonia, unreplaced, or in this module's own
// test binaries (which list no dependencies; go.mod pins the version).
var directTape = func() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, d := range bi.Deps {
		if d.Path == "gorgonia.org/gorgonia" {
			return d.Version == checkedGorgonia && d.Replace == nil
		}
	}
	return len(bi.Deps) == 0 && bi.Main.Path == "github.com/gradgraph/gradgraph"
}()

// tapeRun holds the channels of direct runs, one of which the loop fills
// once per run.
type tapeRun struct {
	errc chan error
	done chan struct{}
}

// run executes vm once (vm has been Reset).
func (t *tapeRun) run(vm G.VM) error {
	v := reflect.ValueOf(vm)
	if !directTape || v.Kind() != reflect.Pointer || v.Type().String() != "*gorgonia.tapeMachine" {
		return vm.RunAll()
	}
	if t.errc == nil {
		t.errc, t.done = make(chan error, 1), make(chan struct{}, 1)
	}
	tapeRunAll(v.UnsafePointer(), t.errc, t.done)
	select {
	case err := <-t.errc:
		return err
	case <-t.done:
		return nil
	}
}
