package train

import (
	"sort"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
)

// Output is the training set-up of one output of a model: its loss, the
// loss's weight in the total the optimiser minimises (0 means 1), and its
// metrics (Keras's compile(loss={...}, loss_weights={...},
// metrics={...}), keyed by output name).
type Output struct {
	Loss    Loss
	Weight  float64
	Metrics []Metric
}

// namedOutput is an Output with its model output's name, in model order.
type namedOutput struct {
	name string
	Output
	evalMs []Metric // evaluation's own metric instances
}

// CompileOutputs binds a model of one or more outputs to an optimiser and,
// for every output by name (nn.Model.OutputNames), its loss, loss weight and
// metrics. The total loss is the weighted sum of the outputs' losses. Logs
// and History name each output's figures as Keras does: "loss" for the
// total, "<output>_loss" and "<output>_<metric>" for each output, and
// "val_" before each of these for validation.
//
// Data for such a model is a *data.Joined whose inputs and targets are
// named as the model's inputs and outputs (data.Join).
func CompileOutputs(model Model, opt Optimizer, outputs map[string]Output) (*Trainer, error) {
	if model == nil {
		return nil, errors.New("compile: nil model")
	}
	names := model.OutputNames()
	if len(names) == 0 {
		return nil, errors.Errorf("compile %q: the model has no outputs (a Sequential model learns its shape when built; build it first)", model.ModelName())
	}
	var outs []namedOutput
	seenMetric := map[Metric]bool{}
	for _, n := range names {
		o, ok := outputs[n]
		if !ok {
			return nil, errors.Errorf("compile %q: output %q has no loss (outputs: %v)", model.ModelName(), n, names)
		}
		if o.Loss == nil {
			return nil, errors.Errorf("compile %q: output %q: no loss", model.ModelName(), n)
		}
		if o.Weight < 0 || o.Weight != o.Weight {
			return nil, errors.Errorf("compile %q: output %q: loss weight %v must not be negative", model.ModelName(), n, o.Weight)
		}
		if o.Weight == 0 {
			o.Weight = 1
		}
		keys := map[string]bool{"loss": true}
		for _, m := range o.Metrics {
			if m == nil || keys[m.Name()] || seenMetric[m] {
				return nil, errors.Errorf("compile %q: output %q: nil, duplicate or shared metric (give each output its own instances)", model.ModelName(), n)
			}
			keys[m.Name()], seenMetric[m] = true, true
		}
		outs = append(outs, namedOutput{name: n, Output: o})
	}
	if len(outputs) != len(names) {
		var extra []string
		for n := range outputs {
			if !contains(names, n) {
				extra = append(extra, n)
			}
		}
		sort.Strings(extra)
		return nil, errors.Errorf("compile %q: %v are not outputs of the model (outputs: %v)", model.ModelName(), extra, names)
	}
	t, err := Compile(model, opt, outs[0].Loss, outs[0].Metrics...)
	if err != nil {
		return nil, err
	}
	if len(outs) > 1 || outs[0].Weight != 1 {
		t.outputs = outs
	}
	return t, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// outHead is one output as a step sees it.
type outHead struct {
	name    string // "" for a trainer of one output: its keys are "loss", "accuracy"
	loss    Loss
	weight  float64
	metrics []Metric
	width   int // the output's width
}

// heads lists the outputs the trainer trains: one made from Loss and
// Metrics, or one per output of CompileOutputs.
func (t *Trainer) heads() []outHead {
	widths := t.Model.OutputShapes()
	if t.outputs == nil {
		return []outHead{{loss: t.Loss, weight: 1, metrics: t.Metrics, width: outputWidth(t.Model)}}
	}
	hs := make([]outHead, len(t.outputs))
	for i, o := range t.outputs {
		hs[i] = outHead{name: o.name, loss: o.Loss, weight: o.Weight, metrics: o.Metrics, width: nn.Shape(widths[i]).Size()}
		if len(t.outputs) == 1 {
			hs[i].name = "" // one output keeps Keras's plain keys
		}
	}
	return hs
}

// key is the logs key of an output's figure: the figure alone for one
// output, "<output>_<figure>" for several.
func (h outHead) key(figure string) string {
	if h.name == "" {
		return figure
	}
	return h.name + "_" + figure
}

// logKeys are the keys of an epoch's training logs, in order.
func (t *Trainer) logKeys() []string {
	keys := []string{"loss"}
	for _, h := range t.heads() {
		if h.name != "" {
			keys = append(keys, h.key("loss"))
		}
		for _, m := range h.metrics {
			keys = append(keys, h.key(m.Name()))
		}
	}
	return keys
}

// arrange returns the data as the model takes it: a *data.Joined in the
// order of the model's inputs and outputs, or src itself for a model of one
// input and one output given other data.
func (t *Trainer) arrange(what string, src data.Source) (data.Source, error) {
	m := t.Model
	j, ok := src.(*data.Joined)
	if !ok {
		if len(m.InputNames()) > 1 || len(m.OutputNames()) > 1 {
			return nil, errors.Errorf("%s %q: a model of %d inputs and %d outputs takes a *data.Joined (data.Join) naming its inputs %v and outputs %v",
				what, m.ModelName(), len(m.InputNames()), len(m.OutputNames()), m.InputNames(), m.OutputNames())
		}
		return src, nil
	}
	a, err := j.Arrange(m.InputNames(), m.OutputNames())
	if err != nil {
		return nil, errors.Wrapf(err, "%s %q", what, m.ModelName())
	}
	for i, in := range a.Inputs() {
		if w := nn.Shape(m.InputShapes()[i]).Size(); in.Source.Features() != w {
			return nil, errors.Errorf("%s %q: input %q has %d features, the model takes %d", what, m.ModelName(), in.Name, in.Source.Features(), w)
		}
	}
	return a, nil
}

// targetWidths writes the widths of each output's targets in a row of src
// into dst (len(hs) long) and returns it: the trainer asks every step, so it
// allocates nothing.
func targetWidths(dst []int, src data.Source, hs []outHead) []int {
	tws := dst[:len(hs)]
	if j, ok := src.(*data.Joined); ok && j.NumTargets() == len(hs) {
		for i := range tws {
			tws[i] = j.TargetWidthOf(i)
		}
		return tws
	}
	if len(hs) == 1 {
		tws[0] = src.TargetWidth()
		return tws
	}
	// Predict on data without targets: the width each loss takes.
	for i, h := range hs {
		tws[i] = h.width
		if ce, ok := h.loss.(*CrossEntropy); ok && ce.Sparse {
			tws[i] = 1
		}
	}
	return tws
}

// checkTargets checks each output's targets with its loss.
func (t *Trainer) checkTargets(src data.Source) error {
	hs := t.heads()
	j, ok := src.(*data.Joined)
	if !ok || len(hs) == 1 && len(j.Targets()) <= 1 {
		return t.Loss.Check(src, outputWidth(t.Model))
	}
	ts := j.Targets()
	if len(ts) != len(hs) {
		return errors.Errorf("the data has %d targets, the model %d outputs", len(ts), len(hs))
	}
	for i, h := range hs {
		if err := h.loss.Check(ts[i].Source, h.width); err != nil {
			return errors.Wrapf(err, "output %q", h.name)
		}
	}
	return nil
}

// headMetrics returns each output's metric instances: Fit's, or for
// evaluation fresh instances where the metric can clone itself
// (MetricCloner), made once, so that evaluating between Fit's steps leaves
// Fit's figures alone.
func (t *Trainer) headMetrics(eval bool) [][]Metric {
	if t.outputs == nil {
		if eval {
			return [][]Metric{t.evalMetrics()}
		}
		return [][]Metric{t.Metrics}
	}
	ms := make([][]Metric, len(t.outputs))
	for i := range t.outputs {
		o := &t.outputs[i]
		ms[i] = o.Metrics
		if eval {
			if len(o.evalMs) != len(o.Metrics) {
				o.evalMs = cloneMetrics(o.Metrics)
			}
			ms[i] = o.evalMs
		}
	}
	return ms
}

func cloneMetrics(ms []Metric) []Metric {
	out := make([]Metric, len(ms))
	for i, mt := range ms {
		out[i] = mt
		if c, ok := mt.(MetricCloner); ok {
			out[i] = c.CloneMetric()
		}
	}
	return out
}

// tally accumulates an epoch's or an evaluation's loss and metrics.
type tally struct {
	hs      []outHead
	metrics [][]Metric
	loss    float64
	each    []float64 // per output's loss, weighted by samples
	n       int
}

func (t *Trainer) newTally(eval bool) *tally {
	tl := &tally{hs: t.heads(), metrics: t.headMetrics(eval)}
	tl.each = make([]float64, len(tl.hs))
	for _, ms := range tl.metrics {
		for _, mt := range ms {
			mt.Reset()
		}
	}
	return tl
}

// add counts a batch of rows samples just run on s with loss loss.
func (tl *tally) add(s *step, rows int, loss float64) {
	tl.loss += float64(loss * float64(rows))
	tl.n += rows
	for i, h := range tl.hs {
		if s.losses != nil {
			tl.each[i] += float64(s.losses[i] * float64(rows))
		}
		for _, mt := range tl.metrics[i] {
			mt.Update(s.out64[i], s.tgt64[i], rows, h.width)
		}
	}
}

// logs are the figures as Keras names them.
func (tl *tally) logs() Logs {
	logs := Logs{"loss": tl.loss / float64(tl.n)}
	for i, h := range tl.hs {
		if h.name != "" {
			logs[h.key("loss")] = tl.each[i] / float64(tl.n)
		}
		for _, mt := range tl.metrics[i] {
			logs[h.key(mt.Name())] = mt.Result()
		}
	}
	return logs
}
