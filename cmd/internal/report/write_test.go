package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gradgraph/gradgraph/cmd/internal/report/reportcheck"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

// sampleReport is a small but complete report: two epochs, the first the
// best, three classes, two predictions (one with its image).
func sampleReport(t *testing.T) Report {
	t.Helper()
	model := nn.Sequential("tiny", nn.Dense(3, nn.Softmax))
	if err := model.Build(2, nn.BuildOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	return Report{
		Title:   "Tiny <model> & co",
		Command: "tiny",
		Metrics: map[string]any{
			"test_accuracy": 0.9666666666666667,
			"test_loss":     0.0577879602710406,
			"best_epoch":    1,
			"samples_per_s": 44278.63,
			"dataset":       "toy|set",
			"fused":         true,
			"hidden":        []int{16, 16},
		},
		Sections: []Section{
			Table("Results", "accuracy", "test_accuracy", "loss", "test_loss", "best epoch", "best_epoch", "absent", "no_such_key"),
			Table("Run", "speed", "samples_per_s", "data", "dataset", "fused ops", "fused", "hidden", "hidden"),
		},
		History: &train.History{Epoch: []int{0, 1}, Keys: []string{"loss", "val_loss"},
			Logs: map[string][]float64{"loss": {0.5, 0.25}, "val_loss": {0.375, 0.4375}}},
		BestEpoch:   0,
		CurvesTitle: "tiny",
		Model:       model,
		Summary:     model.Summary(),
		Confusion:   [][]int{{2, 0, 0}, {0, 1, 1}, {0, 0, 3}},
		ConfusionOf: "Test set, 7 samples",
		Classes:     []string{"a", "b", "c"},
		Predictions: []Prediction{
			{Sample: 4, Probs: []float64{0.25, 0.5, 0.25}, Label: 2, Predicted: 1},
			{Sample: 0, Probs: []float64{0.75, 0.125, 0.125}, Label: 0, Predicted: 0, Pixels: []float64{0, 0.5, 1, 0.25}, Width: 2, Height: 2},
		},
	}
}

func TestWriteReport(t *testing.T) {
	dir := t.TempDir()
	r := sampleReport(t)
	if err := Write(dir, r); err != nil {
		t.Fatal(err)
	}
	page, err := reportcheck.Check(dir)
	if err != nil {
		t.Fatalf("report does not check: %v", err)
	}
	want := map[string]string{
		"test_accuracy": "0.9667", "test_loss": "0.0578", "best_epoch": "1", "samples_per_s": "44278.6",
		"dataset": "toy|set", "fused": "on", "hidden": "16, 16",
		"final_loss": "0.2500", "final_val_loss": "0.4375", "best_epoch_loss": "0.5000", "best_epoch_val_loss": "0.3750",
	}
	if !reflect.DeepEqual(page.Figures, want) {
		t.Errorf("figures shown %v,\nwant %v", page.Figures, want)
	}
	wantImages := []string{"training curves", "confusion matrix, Test set, 7 samples",
		"probabilities: Sample 4: predicted 1 (b), true 2 (c)",
		"sample: Sample 0: predicted 0 (a), true 0 (a)", "probabilities: Sample 0: predicted 0 (a), true 0 (a)",
		"layer diagram"}
	if !reflect.DeepEqual(page.Images, wantImages) {
		t.Errorf("images %q,\nwant %q", page.Images, wantImages)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Confusion [][]int `json:"confusion_matrix"`
		BestLoss  float64 `json:"best_epoch_loss"`
	}
	if err := json.Unmarshal(raw, &m); err != nil || !reflect.DeepEqual(m.Confusion, r.Confusion) || m.BestLoss != 0.5 {
		t.Errorf("metrics.json: confusion %v, best_epoch_loss %v (%v)", m.Confusion, m.BestLoss, err)
	}
	html, _ := os.ReadFile(filepath.Join(dir, "report.html"))
	if strings.Contains(string(html), "<model>") || !strings.Contains(string(html), "Tiny &lt;model&gt; &amp; co") {
		t.Error("report.html does not escape the title")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left a temporary file %s", e.Name())
		}
	}
	if _, ok := r.Metrics["final_loss"]; ok {
		t.Error("Write changed the caller's metrics map")
	}
}

// TestCheckCatches: each way a report can disagree with its folder is
// reported by reportcheck, so the commands' tests can fail.
func TestCheckCatches(t *testing.T) {
	for _, tc := range []struct {
		name, file, old, new, want string
	}{
		{"figure changed in metrics.json", "metrics.json", `"test_accuracy": 0.9666666666666667`, `"test_accuracy": 0.9666`, "test_accuracy"},
		{"rounded text wrong", "report.html", ">0.9667<", ">0.9670<", "shown as 0.9670"},
		{"image not a PNG", "report.html", "data:image/png;base64,iVBOR", "data:image/png;base64,AAAAA", "png"},
		{"image fetched from elsewhere", "report.html", `src="data:image/png;base64,`, `src="http://example.com/x.png#`, "refers outside"},
		{"markdown image missing", "report.md", "(curves.png)", "(nothing.png)", "nothing.png"},
		{"markdown row differs", "report.md", "| loss | 0.0578 |", "| loss | 0.0579 |", "lacks the row"},
	} {
		dir := t.TempDir()
		if err := Write(dir, sampleReport(t)); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, tc.file)
		b, _ := os.ReadFile(path)
		if !strings.Contains(string(b), tc.old) {
			t.Fatalf("%s: %s lacks %q", tc.name, tc.file, tc.old)
		}
		os.WriteFile(path, []byte(strings.Replace(string(b), tc.old, tc.new, 1)), 0o644)
		if _, err := reportcheck.Check(dir); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Check gave %v, want an error about %q", tc.name, err, tc.want)
		}
	}
}

// TestWriteNoEpochs: a checkpoint only evaluated has no curves, and a
// curves.png left by an earlier run in the folder is not shown.
func TestWriteNoEpochs(t *testing.T) {
	dir := t.TempDir()
	r := sampleReport(t)
	if err := Write(dir, r); err != nil {
		t.Fatal(err)
	}
	r.History, r.BestEpoch = &train.History{Keys: []string{"loss"}, Logs: map[string][]float64{}}, -1
	if err := Write(dir, r); err != nil {
		t.Fatal(err)
	}
	page, err := reportcheck.Check(dir)
	if err != nil {
		t.Fatal(err)
	}
	if page.Images[0] == "training curves" {
		t.Error("the report shows the earlier run's curves")
	}
	if _, ok := page.Figures["final_loss"]; ok {
		t.Error("the report shows last-epoch figures without epochs")
	}
	md, _ := os.ReadFile(filepath.Join(dir, "report.md"))
	if !strings.Contains(string(md), "No epochs were run") {
		t.Error("report.md does not say that no epochs were run")
	}
}

// TestMarkdownSummaryFence: a layer name holding a newline, a code fence
// and raw HTML (user data) broke out of report.md's summary block and
// emitted <script> (issue 23). The block's fence is now longer than any
// run of backticks in the summary, so the name stays inside it as text;
// and control characters in the title are written as escapes.
func TestMarkdownSummaryFence(t *testing.T) {
	r := sampleReport(t)
	evil := "x\n```\n<script>alert(1)</script>\n````"
	r.Summary = "Model: \"m\"\n dense_" + evil + " (Dense)   (None, 3)   9\n"
	r.Title = "tiny \x1b[31m\a"
	dir := t.TempDir()
	if err := Write(dir, r); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(string(md), "\x1b\a") || !strings.Contains(string(md), `# tiny \\x1b\[31m\\a`) {
		t.Errorf("report.md's title holds raw control characters or lacks their escapes:\n%.200s", md)
	}
	open, body, after, err := reportcheck.Summary(string(md))
	if err != nil {
		t.Fatal(err)
	}
	if open != "`````" {
		t.Fatalf("summary fence %q, want five backticks (one more than the name's longest run)", open)
	}
	if !strings.Contains(body, "<script>") {
		t.Error("the name's text is not inside the block")
	}
	if strings.Contains(after, "<script>") {
		t.Error("<script> appears after the summary block")
	}
	// Every line inside the block that starts with backticks is shorter
	// than the fence, so no CommonMark reader closes it there.
	for _, line := range strings.Split(body, "\n") {
		if t2 := strings.TrimLeft(line, " "); strings.HasPrefix(t2, open) {
			t.Errorf("line %q inside the block would close it", line)
		}
	}
}
