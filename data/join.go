package data

import (
	"strings"

	"github.com/pkg/errors"
)

// Named is a data set given for one input or one output of a model, by the
// input's or output's name (Keras's fit takes dicts keyed by those names).
type Named struct {
	Name   string
	Source Source
}

// Joined is several data sets seen as one, sample by sample, for a model of
// several inputs or outputs: a sample's feature row is the features of each
// input's source, one after another, and its target row the targets of
// each output's source, likewise. The same source may serve as an input
// (its features) and as an output (its targets), as when images feed the
// model and their labels are one of its outputs' targets.
//
// The trainer arranges a Joined in the order of the model's inputs and
// outputs by name (Arrange), so the order given here does not matter.
type Joined struct {
	inputs, targets []Named
	n, features, tw int
	xbuf, ybuf      []float32 // one part's rows while Fill interleaves them
}

// Join checks that every source has the same number of samples and that
// names are given and unique, and joins them without copying.
func Join(inputs, targets []Named) (*Joined, error) {
	if len(inputs) == 0 {
		return nil, errors.New("join: no inputs")
	}
	j := &Joined{inputs: append([]Named(nil), inputs...), targets: append([]Named(nil), targets...), n: -1}
	for _, part := range []struct {
		what string
		list []Named
	}{{"input", inputs}, {"target", targets}} {
		seen := map[string]bool{}
		for i, p := range part.list {
			switch {
			case p.Name == "":
				return nil, errors.Errorf("join: %s %d has no name", part.what, i)
			case seen[p.Name]:
				return nil, errors.Errorf("join: two %ss are named %q", part.what, p.Name)
			case p.Source == nil:
				return nil, errors.Errorf("join: %s %q has no data", part.what, p.Name)
			}
			seen[p.Name] = true
			if j.n < 0 {
				j.n = p.Source.Len()
			} else if p.Source.Len() != j.n {
				return nil, errors.Errorf("join: %s %q has %d samples, %s %q %d",
					part.what, p.Name, p.Source.Len(), "input", inputs[0].Name, j.n)
			}
		}
	}
	for _, p := range inputs {
		j.features += p.Source.Features()
	}
	for _, p := range targets {
		j.tw += p.Source.TargetWidth()
	}
	return j, nil
}

// Arrange returns the join with its inputs and targets in the order of
// the names given (a model's input and output names). A name missing from
// the join, or a part the names do not mention, is an error naming it.
func (j *Joined) Arrange(inputs, outputs []string) (*Joined, error) {
	in, err := arrange("input", j.inputs, inputs)
	if err != nil {
		return nil, err
	}
	var out []Named
	if len(j.targets) > 0 {
		if out, err = arrange("target", j.targets, outputs); err != nil {
			return nil, err
		}
	}
	return Join(in, out)
}

func arrange(what string, have []Named, names []string) ([]Named, error) {
	by := map[string]Named{}
	for _, p := range have {
		by[p.Name] = p
	}
	out := make([]Named, len(names))
	for i, n := range names {
		p, ok := by[n]
		if !ok {
			return nil, errors.Errorf("join: the model's %s %q has no data (the %ss given are %s)", what, n, what, namesOf(have))
		}
		out[i] = p
		delete(by, n)
	}
	if len(by) > 0 {
		for _, p := range have {
			if _, extra := by[p.Name]; extra {
				return nil, errors.Errorf("join: %s %q is not one of the model's (%s)", what, p.Name, strings.Join(names, ", "))
			}
		}
	}
	return out, nil
}

func namesOf(ps []Named) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.Name
	}
	return strings.Join(s, ", ")
}

// Inputs are the joined inputs, in order.
func (j *Joined) Inputs() []Named { return append([]Named(nil), j.inputs...) }

// Targets are the joined targets, in order.
func (j *Joined) Targets() []Named { return append([]Named(nil), j.targets...) }

// NumTargets is the number of joined targets.
func (j *Joined) NumTargets() int { return len(j.targets) }

// TargetWidthOf is the width of target i's rows, without copying the
// target list as Targets does (the trainer asks every step).
func (j *Joined) TargetWidthOf(i int) int { return j.targets[i].Source.TargetWidth() }

// Len implements Source.
func (j *Joined) Len() int { return j.n }

// Features implements Source: the inputs' widths summed.
func (j *Joined) Features() int { return j.features }

// TargetWidth implements Source: the targets' widths summed.
func (j *Joined) TargetWidth() int { return j.tw }

// NumClasses implements Source: the one target's classes, or 0 for several
// (each output's loss checks its own target).
func (j *Joined) NumClasses() int {
	if len(j.targets) == 1 {
		return j.targets[0].Source.NumClasses()
	}
	return 0
}

// Fill implements Source, interleaving the parts' rows. It is not safe
// for concurrent use.
func (j *Joined) Fill(idx []int, x, y []float32) {
	if x != nil {
		off := 0
		for _, p := range j.inputs {
			w := p.Source.Features()
			j.xbuf = grow(j.xbuf, len(idx)*w)
			p.Source.Fill(idx, j.xbuf, nil)
			for r := range idx {
				copy(x[r*j.features+off:r*j.features+off+w], j.xbuf[r*w:(r+1)*w])
			}
			off += w
		}
	}
	if y != nil {
		off := 0
		for _, p := range j.targets {
			w := p.Source.TargetWidth()
			j.ybuf = grow(j.ybuf, len(idx)*w)
			p.Source.Fill(idx, nil, j.ybuf)
			for r := range idx {
				copy(y[r*j.tw+off:r*j.tw+off+w], j.ybuf[r*w:(r+1)*w])
			}
			off += w
		}
	}
}

func grow(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}
