package nn

import (
	"reflect"
	"testing"
)

func TestDescribe(t *testing.T) {
	m := Sequential("iris", Dense(64, ReLU), BatchNorm(), Dropout(0.5), Dense(3, Softmax))
	if _, err := m.Describe(); err == nil {
		t.Error("Describe of an unbuilt model gave no error")
	}
	if err := m.Build(4, BuildOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	got, err := m.Describe()
	if err != nil {
		t.Fatal(err)
	}
	want := []LayerInfo{
		{Name: "dense", Type: "Dense", Input: []int{4}, Inputs: [][]int{{4}}, Output: []int{64}, Params: 4*64 + 64, Inbound: []string{"input_layer"}},
		{Name: "batch_normalization", Type: "BatchNormalization", Input: []int{64}, Inputs: [][]int{{64}}, Output: []int{64}, Params: 4 * 64, Inbound: []string{"dense"}},
		{Name: "dropout", Type: "Dropout", Input: []int{64}, Inputs: [][]int{{64}}, Output: []int{64}, Inbound: []string{"batch_normalization"}},
		{Name: "dense_1", Type: "Dense", Input: []int{64}, Inputs: [][]int{{64}}, Output: []int{3}, Params: 64*3 + 3, Inbound: []string{"dropout"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Describe:\n got %v\nwant %v", got, want)
	}
	if s := ShapeString(got[0].Output); s != "(None, 64)" {
		t.Errorf("ShapeString: %q", s)
	}
}
