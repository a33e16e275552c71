// Package split decides, from timings of both ways, whether a loop is
// worth sharing out among the cores.
//
// The kernels split a loop when its work passes a floor derived from a
// measured hand-off cost (kernels.ParallelMin and the like). Above the
// floor, whether two cores beat one depends on things no constant knows:
// whether the other core is free, shares execution units or cache with
// this one (two vCPUs of a VM may be one physical core), and how the
// memory system scales. Measured on the 2-core development machine, the
// 512-unit MNIST nets and the Iris recipe ran 3–7% slower at GOMAXPROCS 2
// than at 1 with every split on.
//
// A Choice therefore times the loop both ways, a few runs each, per order
// of magnitude of work, and keeps the faster, probing again every few
// hundred calls so that it follows a change of load. It is only for loops
// whose results do not depend on the split (each output element computed
// by one chunk, in the same order whatever the chunks): then the choice,
// which depends on timing, changes speed and never a bit of the result,
// and training stays deterministic.
package split
