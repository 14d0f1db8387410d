package testpanic

import "testing"

func TestValue(t *testing.T) {
	tests := []struct {
		name string
		f    func()
		want any
	}{
		{"returns", func() {}, nil},
		{"panics with a string", func() { panic("boom") }, "boom"},
		{"panics with an int", func() { panic(7) }, 7},
	}
	for _, tt := range tests {
		if got := Value(tt.f); got != tt.want {
			t.Errorf("%s: Value = %v, want %v", tt.name, got, tt.want)
		}
	}
}
