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
		{"dense", "Dense", []int{4}, []int{64}, 4*64 + 64},
		{"batch_normalization", "BatchNormalization", []int{64}, []int{64}, 4 * 64},
		{"dropout", "Dropout", []int{64}, []int{64}, 0},
		{"dense_1", "Dense", []int{64}, []int{3}, 64*3 + 3},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Describe:\n got %v\nwant %v", got, want)
	}
	if s := ShapeString(got[0].Output); s != "(None, 64)" {
		t.Errorf("ShapeString: %q", s)
	}
}
