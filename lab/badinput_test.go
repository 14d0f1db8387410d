package lab_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/spool-go/spool/lab"
)

// TestBadInput: bad options and arguments of lab's functions with an
// error result are errors matching ErrInvalid, naming what was wrong; Run
// runs nothing then. A nil option used to crash Run on a nil call, and its
// unknown size and WriteList's were plain errors. Estimate, which has no
// error result, panics on an unknown size (it returned 0), and Run on a
// nil context.
func TestBadInput(t *testing.T) {
	ctx := context.Background()
	errs := []struct {
		name string
		call func() error
		also error
		want string
	}{
		{"Scale(7)", func() error { _, err := lab.Run(ctx, lab.Scale(7)); return err }, nil,
			"lab: Scale(7): unknown size (want Quick, Default or Full)"},
		{"Scale(-1)", func() error { _, err := lab.Run(ctx, lab.Only("join"), lab.Scale(-1)); return err }, nil,
			"lab: Scale(-1): unknown size (want Quick, Default or Full)"},
		{"nil option", func() error { _, err := lab.Run(ctx, lab.Scale(lab.Quick), nil); return err }, nil,
			"lab: Run: option must not be nil (got nil at index 1)"},
		{"Only(unknown)", func() error { _, err := lab.Run(ctx, lab.Only("nope")); return err }, lab.ErrUnknown, ""},
		{"WriteList(3)", func() error { return lab.WriteList(&bytes.Buffer{}, 3) }, nil, "lab: WriteList: unknown size (got 3)"},
		{"UnmarshalText", func() error { var s lab.Size; return s.UnmarshalText([]byte("huge")) }, nil,
			`lab: unknown size "huge" (want quick, default or full)`},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, lab.ErrInvalid) || tt.also != nil && !errors.Is(err, tt.also) {
				t.Fatalf("%s = %v; want an error matching ErrInvalid and %v", tt.name, err, tt.also)
			}
			if tt.want != "" && err.Error() != tt.want {
				t.Errorf("%s = %q; want %q", tt.name, err, tt.want)
			}
		})
	}

	var nilCtx context.Context
	x := lab.Experiments()[0]
	panics := []struct {
		name string
		call func()
		want string
	}{
		{"Run(nil ctx)", func() { _, _ = lab.Run(nilCtx, lab.Only("join")) }, "lab: Run: nil context"},
		{"Estimate(3)", func() { x.Estimate(3) }, "lab: Experiment.Estimate: unknown size (got 3)"},
		{"Estimate(-1)", func() { x.Estimate(-1) }, "lab: Experiment.Estimate: unknown size (got -1)"},
	}
	for _, tt := range panics {
		t.Run(tt.name, func(t *testing.T) {
			got := func() (r any) {
				defer func() { r = recover() }()
				tt.call()
				return nil
			}()
			if got != tt.want {
				t.Errorf("%s panicked with %v; want %q", tt.name, got, tt.want)
			}
		})
	}
}
