package graph

import (
	"fmt"
	"reflect"
	"runtime/debug"
	"sort"
	"unsafe"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
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
// once per run, and the registers a rewind keeps.
type tapeRun struct {
	errc chan error
	done chan struct{}

	probed bool
	regs   []G.Value // the machine's register bank (its cpumem), shared
	keep   []int     // registers whose values outlive a rewind (keptRegisters)
	saved  []G.Value
}

// rewind makes vm ready to run again: Reset, which sets the program
// counter back and forgets every register's value, then the values of the
// registers keptRegisters chose put back. Gorgonia's element-wise ops (the
// plain ReLU's comparison and product, an Add merge, their gradients)
// then compute into last run's tensor (their UsePreallocDo: the same
// arithmetic, writing every element) instead of a new one each run: for
// the resnet recipe about 9 MB of garbage a step, over which the Go heap,
// and the process's resident size with it, grew to twice the live heap
// between collections (BENCHMARKS.md, "Memory of a training step").
func (t *tapeRun) rewind(vm G.VM) {
	if !t.probed {
		t.probed = true
		t.regs, t.keep = keptRegisters(vm)
		t.saved = make([]G.Value, len(t.keep))
	}
	for i, r := range t.keep {
		t.saved[i] = t.regs[r]
	}
	vm.Reset()
	for i, r := range t.keep {
		t.regs[r], t.saved[i] = t.saved[i], nil
	}
}

// keptRegisters returns vm's register bank and the registers that only
// Gorgonia's element-wise binary ops (elemBinOp) write, all of them nodes
// of one shape and dtype. After Reset the tape machine hands an op the
// register's old value as its output whenever the register holds one, and
// the compiler shares a register among nodes whose values do not overlap
// in time, so a register's value at the end of a run is its last
// writer's. That value may be given to the register's first writer of
// the next run only when it is an element-wise output of the right shape:
// some ops' UsePreallocDo add into it (a slice's gradient, sliceIncrOp:
// the plain-Gorgonia convnet lost its bits when its register was kept),
// an element-wise op handed a tensor of another shape but the same size
// writes a result of the wrong shape (the plain BatchNorm's Repeat then
// failed), and a register that an argument is loaded into may hold a
// param's own tensor. It reads the program of the Gorgonia release
// checkedGorgonia names, by reflection, and keeps nothing (plain Reset)
// when the binary holds another or a field is not as expected.
func keptRegisters(vm G.VM) (regs []G.Value, keep []int) {
	v := reflect.ValueOf(vm)
	if !directTape || v.Kind() != reflect.Pointer || v.Type().String() != "*gorgonia.tapeMachine" {
		return nil, nil
	}
	m := v.Elem()
	mem, prog := m.FieldByName("cpumem"), m.FieldByName("p")
	if !mem.IsValid() || mem.Type() != reflect.TypeOf(regs) || !prog.IsValid() || prog.Kind() != reflect.Pointer || prog.IsNil() {
		return nil, nil
	}
	regs = *(*[]G.Value)(unsafe.Pointer(mem.UnsafeAddr()))
	ins, gf := prog.Elem().FieldByName("instructions"), prog.Elem().FieldByName("g")
	if !ins.IsValid() || ins.Kind() != reflect.Slice || !gf.IsValid() || gf.Type() != reflect.TypeOf((*G.ExprGraph)(nil)) {
		return nil, nil
	}
	g := *(**G.ExprGraph)(unsafe.Pointer(gf.UnsafeAddr()))
	type kind struct {
		shape string
		dt    tensor.Dtype
	}
	elem, other := map[int]kind{}, map[int]bool{}
	for i := 0; i < ins.Len(); i++ {
		in := ins.Index(i)
		if in.Kind() == reflect.Interface {
			in = in.Elem()
		}
		if !in.IsValid() {
			return nil, nil
		}
		if in.Kind() == reflect.Pointer {
			if in.IsNil() {
				return nil, nil
			}
			in = in.Elem()
		}
		if in.Kind() != reflect.Struct {
			continue
		}
		to := in.FieldByName("writeTo")
		if !to.IsValid() {
			continue // reads, frees, flushes: no register written
		}
		id := to.FieldByName("id")
		if to.Kind() != reflect.Struct || !id.IsValid() || id.Kind() != reflect.Int || id.Int() < 0 || int(id.Int()) >= len(regs) {
			return nil, nil
		}
		r := int(id.Int())
		op, node := in.FieldByName("op"), in.FieldByName("id")
		if in.Type().String() != "gorgonia.execOp" || !op.IsValid() || !node.IsValid() || node.Kind() != reflect.Int64 {
			other[r] = true // an argument loaded, an alloc
			continue
		}
		o := reflect.NewAt(op.Type(), unsafe.Pointer(op.UnsafeAddr())).Elem().Interface()
		n, ok := g.Node(node.Int()).(*G.Node)
		if !ok || reflect.TypeOf(o).String() != "gorgonia.elemBinOp" {
			other[r] = true
			continue
		}
		k := kind{fmt.Sprint(n.Shape()), n.Dtype()}
		if prev, seen := elem[r]; seen && prev != k {
			other[r] = true
		}
		elem[r] = k
	}
	for r := range elem {
		if !other[r] {
			keep = append(keep, r)
		}
	}
	sort.Ints(keep)
	return regs, keep
}

// run executes vm once (vm has been rewound).
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
