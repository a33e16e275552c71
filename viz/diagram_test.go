package viz

import "testing"

func TestModelDiagramGolden(t *testing.T) {
	boxes := []DiagramBox{
		{"dense (Dense)", "(None, 4)", "(None, 64)"},
		{"batch_normalization (BatchNormalization)", "(None, 64)", "(None, 64)"},
		{"dropout (Dropout)", "(None, 64)", "(None, 64)"},
		{"dense_1 (Dense)", "(None, 64)", "(None, 3)"},
	}
	checkGolden(t, "diagram", 440, 44+4*92-28+16, func(path string) error {
		return ModelDiagram(path, `Model "iris"`, boxes)
	})
}

func TestModelDiagramNoLayers(t *testing.T) {
	if err := ModelDiagram(t.TempDir()+"/d.png", "empty", nil); err == nil {
		t.Error("a diagram of no layers gave no error")
	}
}
