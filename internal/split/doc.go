// Package split shares loops out among the cores: it decides how many
// parts a loop is worth (choice.go), runs the parts on the process's one
// worker pool (pool.go), and lets a trainer decide for the loops of its own
// steps (scope.go).
//
// # How many parts
//
// The callers split a loop when its work passes a floor derived from a
// measured hand-off cost (kernels.ParallelMin, the sgemm kernels'
// minSplit and the like). Above the floor, whether two cores beat one depends on things
// no constant knows: whether the other core is free, shares execution
// units or cache with this one (two vCPUs of a VM may be one physical
// core), and how the memory system scales: with every split on, the
// 512-unit MNIST nets and the Iris recipe ran slower at GOMAXPROCS 2 than
// at 1 on the 2-core development VM, and on a 16-core Xeon slower at 16
// than at 2 while a loop big enough to split was always cut into one part
// per core, the only choice being that or inline (cmd/mnistbench -matrix;
// BENCHMARKS.md, "Core split"). A part must be worth more than handing it
// over, and beyond that more cores need not be faster (memory bandwidth, a
// busy neighbour, lower clocks with more cores awake). So the callers
// bound the parts by work (each part at least the floor that pays for its
// hand-off), and a Choice times the loop at every width (inline, 2, 4, ...
// the bound), a few runs each, per order of magnitude of work, keeps the
// fastest, and every few hundred calls times it again with its neighbours
// (half and double) to follow a change of load; a change of width waits
// for a second window, soon after, to pick the same, so that one window a
// moment of load skewed changes nothing.
//
// It is only for loops whose results do not depend on the split (each
// output element computed by one chunk, in the same order whatever the
// chunks): then the choice, which depends on timing, changes speed and
// never a bit of the result, and training stays deterministic.
//
// # The pool
//
// Every loop shared out among the cores, in every package, runs on the
// calling goroutine and the workers of pool.go: one set of workers, one
// job protocol (the parts are cut before the job is posted, and taken from
// a counter by whoever is free, so which goroutine runs a part never
// changes a bit), and a policy per kind of loop: Chunks for the short
// loops of a step (workers spin between them), Tasks for many tasks (only
// workers already spinning, goroutines for the rest), Parts for the
// sgemm's long column blocks (workers park at once, no goroutine, no
// allocation).
//
// # Whose decision
//
// Force sets how every loop runs, for tests. In binds a mode to the
// calling goroutine while a function runs, and only that goroutine's loops
// follow it: a trainer's step gate runs a step inline (Inline) on the
// trainer's goroutine without deciding for the steps other trainers run
// meanwhile. In wins over Force.
package split
