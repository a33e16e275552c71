// Package split shares loops out among the cores: it decides, from
// timings, how many cores a loop is worth sharing out among (a Choice:
// none, two, four, ... up to a bound the caller sets from the loop's size),
// and runs the parts on the process's one worker pool (pool.go: Chunks,
// Tasks and Parts, one implementation with a policy per kind of loop).
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
// On a 16-core Xeon the 512-unit nets ran 1.3–1.6x slower at GOMAXPROCS
// 16 than at 2 while a loop big enough to split was always cut into one
// part per core, the only choice being that or inline. A part must be
// worth more than handing it over, and beyond that more cores need not be
// faster (memory bandwidth, a busy neighbour, lower clocks with more cores
// awake). So the callers bound the parts by work (each part at least the
// floor that pays for its hand-off), and a Choice times the loop at every
// width (inline, 2, 4, ... the bound), a few runs each, per order of
// magnitude of work, keeps the fastest, and every few hundred calls times
// it again with its neighbours (half and double) to follow a change of
// load.
//
// It is only for loops whose results do not depend on the split (each
// output element computed by one chunk, in the same order whatever the
// chunks): then the choice, which depends on timing, changes speed and
// never a bit of the result, and training stays deterministic.
package split
