package train

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gradgraph/gradgraph/nn"
)

const killChildEnv = "GRADGRAPH_TEST_SAVE_LOOP"

// TestHelperSaveLoop is the child process of TestSaveSurvivesKill: it saves
// a checkpoint whose first weight is 1, reports it, then saves with first
// weight 2, 3, ... until killed.
func TestHelperSaveLoop(t *testing.T) {
	path := os.Getenv(killChildEnv)
	if path == "" {
		t.Skip("child process of TestSaveSurvivesKill")
	}
	m := nn.Sequential("big", nn.Dense(2048, nn.Linear))
	if err := m.Build(2048, nn.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	tr, _ := Compile(m, SGD(0.1), MeanSquaredError())
	for i := 1; ; i++ {
		m.Params()[0].SetAt(0, float64(i))
		if err := tr.Save(path); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			os.Stdout.WriteString("saved\n")
		}
	}
}

func TestSaveSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "model.ckpt")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSaveLoop$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(out)
	for sc.Scan() && !strings.Contains(sc.Text(), "saved") {
	}
	// Kill the child while a later save is being written.
	deadline := time.Now().Add(20 * time.Second)
	for {
		tmps, _ := filepath.Glob(filepath.Join(dir, ".model.ckpt.tmp-*"))
		if len(tmps) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the child never started a second save")
		}
		time.Sleep(200 * time.Microsecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	tmps, _ := filepath.Glob(filepath.Join(dir, ".model.ckpt.tmp-*"))
	back, err := Load(path)
	if err != nil {
		t.Fatalf("checkpoint after killing a save in progress: %v", err)
	}
	first := back.Model.Params()[0].At(0)
	if first < 1 || first != float64(int(first)) {
		t.Errorf("loaded first weight %v, want the marker of a complete save", first)
	}
	t.Logf("killed mid-save (%d temp file(s) left); the checkpoint holds complete save %v", len(tmps), first)
	// The next save of the same checkpoint clears what the killed one left.
	if err := back.Save(path); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".model.ckpt.tmp-*")); len(left) > 0 {
		t.Errorf("temporary files of the killed save are still there after the next save: %v", left)
	}
}
