package server

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// job is one predict request's rows on their way through a batch.
type job struct {
	x    []float32
	rows int
	ctx  context.Context // the request's: a job whose request gave up is left out
	out  []float32       // rows × the outputs' width, once done
	err  error
	done chan struct{}
}

// work runs batches on m until Close: it takes a waiting request, adds
// the requests that arrive within BatchDelay while the batch has room
// for them (a request that does not fit starts the next batch), and runs
// them as one.
func (s *Server) work(m Model) {
	defer s.workers.Done()
	var next *job
	for {
		first := next
		next = nil
		if first == nil {
			select {
			case first = <-s.queue:
			case <-s.stop:
				return
			}
		}
		batch, rows := []*job{first}, first.rows
		if s.cfg.BatchDelay > 0 {
			timer := time.NewTimer(s.cfg.BatchDelay)
		collect:
			for rows < s.cfg.MaxBatch {
				select {
				case j := <-s.queue:
					if rows+j.rows > s.cfg.MaxBatch {
						next = j
						break collect
					}
					batch, rows = append(batch, j), rows+j.rows
				case <-timer.C:
					break collect
				}
			}
			timer.Stop()
		} else {
		waiting:
			for rows < s.cfg.MaxBatch {
				select {
				case j := <-s.queue:
					if rows+j.rows > s.cfg.MaxBatch {
						next = j
						break waiting
					}
					batch, rows = append(batch, j), rows+j.rows
				default:
					break waiting
				}
			}
		}
		s.run(m, batch)
	}
}

// run predicts a batch's rows in one call and hands each job its own.
func (s *Server) run(m Model, batch []*job) {
	live := batch[:0:0]
	rows := 0
	for _, j := range batch {
		if j.ctx.Err() != nil {
			close(j.done) // its request has answered already
			continue
		}
		live = append(live, j)
		rows += j.rows
	}
	if len(live) == 0 {
		return
	}
	x := live[0].x
	if len(live) > 1 {
		x = make([]float32, 0, rows*s.inWidth)
		for _, j := range live {
			x = append(x, j.x...)
		}
	}
	out, err := predictSafely(m, x, rows)
	if err == nil && len(out) != rows*s.outWidth {
		err = fmt.Errorf("the model gave %d values for %d rows of %d", len(out), rows, s.outWidth)
	}
	s.metrics.batch(rows, len(live))
	off := 0
	for _, j := range live {
		if err != nil {
			j.err = &statusError{http.StatusInternalServerError, "predict: " + err.Error()}
		} else {
			j.out = out[off*s.outWidth : (off+j.rows)*s.outWidth : (off+j.rows)*s.outWidth]
		}
		off += j.rows
		close(j.done)
	}
}

// predictSafely is m.Predict with a panic turned into an error: a model's
// bug fails its batch, not the server.
func predictSafely(m Model, x []float32, rows int) (out []float32, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: %v", r)
		}
	}()
	return m.Predict(x, rows)
}
