package split

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// The one worker pool of the process: every loop that is shared out among
// the cores (the kernels' ParallelRows, ParallelElems, ParallelTasks and
// GemmRows, hence the fused ops, nn's convolutions and the optimisers'
// updates; the sgemm's column blocks) runs on the calling goroutine and on
// these workers. A job is cut into parts
// before it is posted (the caller's split decision, which fixes every
// result); the caller and the workers it has claimed take the next part
// not yet taken until none is left, so which goroutine runs a part never
// changes a bit. The three entry points differ only in their policy:
//
//   - Chunks (short loops of a training step, one after another): claims
//     any worker that is free, waking parked ones, starts goroutines when
//     the workers are busy (another caller's, or nested), and its workers
//     spin a while after the job, waiting for the next one, as the caller
//     does while it waits for them.
//   - Tasks (many tasks, the samples of a batch): claims only spinning
//     workers, which take a task at once, and starts goroutines for the
//     rest; the caller never waits for a helper that has not started.
//   - Parts (the sgemm's column blocks, each worth many hand-offs): claims
//     free workers, spinning or parked, starts no goroutine (a part nobody
//     is free for runs on the caller), does not allocate, and neither its
//     workers nor the caller spin: they park at once.
//
// A claimed worker is the caller's until the job is done, so concurrent
// callers never wait for each other's parts.

// poolSpin is how long an idle worker spins before it parks, and how long
// a caller spins waiting for its helpers before it sleeps: long enough to
// bridge the gaps between the loops of one step (the products of a layer,
// the optimiser's updates), short enough that during a long serial stretch
// the workers sleep instead of holding cores that the serial thread may
// share (SMT siblings, a VM's vCPUs) or that lower the clock of the busy
// one. Longer spins made the 512-unit MNIST net slower at 8 cores than at
// 2, no spin made Dense(1024)×2 slower, and 200 µs gave epochs that fell
// with every step in cores (cmd/mnistbench -matrix -cpu 1,2,4,8,16;
// BENCHMARKS.md, "Worker pool").
const poolSpin = 200 * time.Microsecond

// A Body is a job of parts for Parts: Part(i, w) computes part i, w being
// the index of the goroutine running it (0 the caller), never two parts
// at once with the same w.
type Body interface{ Part(i, w int) }

// taskFunc is a Tasks loop as a Body (a func is stored in an interface
// without allocation).
type taskFunc func(i, w int)

func (f taskFunc) Part(i, w int) { f(i, w) }

// policy is what a job may do to find helpers and how its goroutines wait.
type policy struct {
	wakeParked bool // claim parked workers (waking one costs a futex)
	goroutines bool // start goroutines for the helpers no worker is free for
	spin       bool // helpers spin after the job, the caller while it waits
}

var (
	chunksPolicy = policy{wakeParked: true, goroutines: true, spin: true}
	tasksPolicy  = policy{goroutines: true, spin: true}
	partsPolicy  = policy{wakeParked: true}
)

// job is one call's parts, shared with its helpers, which may outlive the
// call: they then find next ≥ n and return. It goes back to jobs when the
// caller and every helper have let go of it (refs). There are never more
// jobs than calls running at once.
type job struct {
	n          int64
	next, done atomic.Int64
	refs       atomic.Int32
	spin       bool
	body       Body             // Parts and Tasks
	chunkFn    func(lo, hi int) // Chunks: part i is [i·chunk, min((i+1)·chunk, total))
	chunk      int
	total      int
	waiting    atomic.Int32 // 0, then 1 (the caller sleeps on wake) or 2 (all done)
	wake       chan struct{}
}

// jobs holds the jobs let go of, for the next calls: a list rather than a
// sync.Pool, whose Put on the last helper's P leaves the job where the
// caller's next Get does not look (an allocation per call).
var jobs struct {
	mu   sync.Mutex
	free []*job
}

func newJob(n int, spin bool) *job {
	var j *job
	jobs.mu.Lock()
	if k := len(jobs.free); k > 0 {
		j = jobs.free[k-1]
		jobs.free = jobs.free[:k-1]
	}
	jobs.mu.Unlock()
	if j == nil {
		j = &job{wake: make(chan struct{}, 1)}
	}
	j.n, j.spin = int64(n), spin
	j.next.Store(0)
	j.done.Store(0)
	j.waiting.Store(0)
	j.refs.Store(1) // the caller's
	return j
}

func (j *job) release() {
	if j.refs.Add(-1) == 0 {
		j.body, j.chunkFn = nil, nil // drop the caller's data
		jobs.mu.Lock()
		jobs.free = append(jobs.free, j)
		jobs.mu.Unlock()
	}
}

// work runs the parts not yet taken, as goroutine w of the job.
func (j *job) work(w int) {
	for {
		i := j.next.Add(1) - 1
		if i >= j.n {
			return
		}
		if j.chunkFn != nil {
			lo := int(i) * j.chunk
			j.chunkFn(lo, min(lo+j.chunk, j.total))
		} else {
			j.body.Part(int(i), w)
		}
		if j.done.Add(1) == j.n && j.waiting.Swap(2) == 1 {
			j.wake <- struct{}{}
		}
	}
}

// wait returns when every part is done: after spinning up to poolSpin
// (spin) or at once, the caller sleeps until the last part's helper wakes
// it.
func (j *job) wait() {
	start := time.Now()
	for i := 1; j.done.Load() < j.n; i++ {
		if !j.spin || i%64 == 0 && time.Since(start) > poolSpin {
			if j.waiting.CompareAndSwap(0, 1) {
				<-j.wake
				return
			}
			continue // all done: waiting is 2
		}
		cpuRelax()
		if i%64 == 0 {
			runtime.Gosched()
		}
	}
}

// The states of a worker.
const (
	workIdle    = iota // spinning, no job: may be claimed
	workParked         // asleep on wake: may be claimed and woken
	workClaimed        // a caller is posting a job to it
	workPosted         // a job is posted or running
)

type worker struct {
	state atomic.Int32
	job   *job
	w     int // the worker's index in job
	wake  chan struct{}
}

// workers is the pool: it grows to the most helpers a job has asked for,
// and never shrinks (an idle worker is parked and costs nothing).
var workers struct {
	mu   sync.Mutex
	list atomic.Pointer[[]*worker]
}

// poolOff makes every job use goroutines instead of the pool's workers
// (and Parts run on the caller alone); tests switch it to cover both.
var poolOff = false

func (w *worker) loop() {
	spin := true
	for {
		w.await(spin)
		j, k := w.job, w.w
		w.job = nil
		j.work(k)
		spin = j.spin
		j.release()
		w.state.Store(workIdle)
	}
}

// await returns once a job is posted to w: spinning for up to poolSpin
// (when the last job spins) before parking.
func (w *worker) await(spin bool) {
	start := time.Now()
	for i := 1; w.state.Load() != workPosted; i++ {
		if !spin || i%64 == 0 && time.Since(start) > poolSpin {
			if w.state.CompareAndSwap(workIdle, workParked) {
				<-w.wake // the claimer has set workPosted
				return
			}
			continue // claimed: the job is on its way
		}
		cpuRelax()
		if i%64 == 0 {
			runtime.Gosched()
		}
	}
}

// claim makes w the caller's if it is free (parked ones only when
// wakeParked), and reports whether it was parked.
func (w *worker) claim(wakeParked bool) (ok, wasParked bool) {
	if w.state.CompareAndSwap(workIdle, workClaimed) {
		return true, false
	}
	if wakeParked && w.state.CompareAndSwap(workParked, workClaimed) {
		return true, true
	}
	return false, false
}

// post hands j to the claimed w as its helper k.
func (w *worker) post(j *job, k int, wasParked bool) {
	j.refs.Add(1)
	w.job, w.w = j, k
	w.state.Store(workPosted)
	if wasParked {
		w.wake <- struct{}{}
	}
}

// run runs j's parts on the caller and up to helpers other goroutines as
// pol allows, and returns when every part is done.
func run(j *job, helpers int, pol policy) {
	k := 1 // the next helper's index
	if !poolOff {
		list := workers.list.Load()
		if list != nil {
			for _, w := range *list {
				if k > helpers {
					break
				}
				if ok, parked := w.claim(pol.wakeParked); ok {
					w.post(j, k, parked)
					k++
				}
			}
		}
		if k <= helpers && pol.wakeParked {
			k = grow(j, k, helpers)
		}
	}
	if pol.goroutines {
		for ; k <= helpers; k++ {
			j.refs.Add(1)
			go func(k int) {
				j.work(k)
				j.release()
			}(k)
		}
	}
	j.work(0)
	j.wait()
	j.release()
}

// grow starts workers, claimed for j as helpers k, k+1, ..., while the
// pool has fewer than helpers workers, and returns the next helper index.
func grow(j *job, k, helpers int) int {
	workers.mu.Lock()
	defer workers.mu.Unlock()
	var old []*worker
	if l := workers.list.Load(); l != nil {
		old = *l
	}
	if len(old) >= helpers {
		return k
	}
	list := append([]*worker(nil), old...) // old is being read
	for ; k <= helpers && len(list) < helpers; k++ {
		w := &worker{wake: make(chan struct{}, 1)}
		w.state.Store(workClaimed)
		w.post(j, k, false)
		list = append(list, w)
		go w.loop()
	}
	workers.list.Store(&list)
	return k
}

// chunksPerCore is how many chunks Chunks makes per core. The cores take
// chunks as they finish the previous one, so with one chunk per core the
// caller also runs a worker's chunk that the worker has not started yet
// (it was parked). Finer chunks (2 or 4 per core, to balance a slower
// core) measured slower on MNIST (cmd/mnistbench): they cost each core its
// cache affinity to the same columns of the weights from op to op.
const chunksPerCore = 1

// Chunks runs fn over [0, n) split into up to chunksPerCore·p contiguous
// chunks of ⌈n/chunks⌉ (the last one shorter), on the calling goroutine
// and up to p−1 of the pool's workers (goroutines where they are busy),
// each taking the next chunk not yet taken. The split depends on n and p
// only; which goroutine runs a chunk does not, so a computation whose
// chunks write disjoint results is deterministic. Calls from several
// goroutines at once, and nested calls, are safe.
func Chunks(n, p int, fn func(lo, hi int)) {
	if p > n {
		p = n
	}
	if p <= 1 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	parts := min(n, chunksPerCore*p)
	chunk := (n + parts - 1) / parts
	parts = (n + chunk - 1) / chunk
	j := newJob(parts, chunksPolicy.spin)
	j.chunkFn, j.chunk, j.total = fn, chunk, n
	run(j, p-1, chunksPolicy)
}

// Tasks runs fn(i, w) for every task i in [0, n), on the calling goroutine
// and up to workers−1 helpers, each taking the next task not yet taken
// until none is left, w being the index of the goroutine running the task
// (0 the caller, below workers, never two tasks at once with the same w,
// so that w can pick a scratch buffer of the caller's). It is for loops of
// many tasks of similar size, each worth tens of microseconds or more.
//
// The helpers are the pool's workers that are spinning (they take a task
// at once) and, for the rest, new goroutines. The caller never waits for
// a goroutine that has not started: it runs every task nobody else has
// taken and then waits only for the tasks already running elsewhere, and a
// goroutine that starts late finds no task left and returns. A parked
// worker is not used: handed work, it must be woken and run before the
// caller may return, which on a machine whose cores are busy with other
// processes can take the OS a whole time slice. A spinning worker is used
// rather than left alone because it holds its core: its runtime.Gosched
// puts it back on the global run queue, which the scheduler looks at
// before stealing the caller's new goroutine, so for up to poolSpin after
// any pool loop a goroutine helper did not run, and a convolution after
// the optimiser's loop took longer at GOMAXPROCS 2 than at 1
// (BenchmarkTrainStepConvnet -cpu 1,2; BENCHMARKS.md, "Worker pool").
//
// Which goroutine runs a task varies from run to run, so fn must write
// results that depend on i alone (disjoint outputs): the results are then
// the same whatever GOMAXPROCS is. With one worker, one task, or inside
// Inline, the tasks run in order on the caller.
func Tasks(n, workers int, fn func(i, w int)) {
	p := min(workers, n)
	if p <= 1 || Inlined() {
		for i := 0; i < n; i++ {
			fn(i, 0)
		}
		return
	}
	j := newJob(n, tasksPolicy.spin)
	j.body = taskFunc(fn)
	run(j, p-1, tasksPolicy)
}

// Parts runs body.Part(i, w) for every part i in [0, n) on the calling
// goroutine and up to n−1 of the pool's workers, spinning or parked, that
// no other caller holds; it starts no goroutine, so a part that finds no
// free worker runs on the caller, and concurrent callers never wait for
// each other. It does not allocate once the pool has its workers. For
// parts long enough (tens of microseconds) that waking a parked worker is
// cheap beside them: the workers park as soon as they are done, and the
// caller sleeps while it waits for them.
func Parts(n int, body Body) {
	if n <= 1 {
		if n == 1 {
			body.Part(0, 0)
		}
		return
	}
	j := newJob(n, partsPolicy.spin)
	j.body = body
	run(j, n-1, partsPolicy)
}
