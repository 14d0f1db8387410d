package lab_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spool-go/spool/lab"
)

// TestUnknownSizeText: a Size that is not Quick, Default or Full is shown
// by its number and cannot be marshalled. String said "default" and
// MarshalText wrote "default" with no error, while Scale, WriteList and
// Estimate rejected the same Size.
func TestUnknownSizeText(t *testing.T) {
	cases := []struct {
		size     lab.Size
		wantText string
		wantErr  string // "" for none
	}{
		{lab.Quick, "quick", ""},
		{lab.Default, "default", ""},
		{lab.Full, "full", ""},
		{7, "Size(7)", "lab: Size.MarshalText: unknown size (got 7)"},
		{-1, "Size(-1)", "lab: Size.MarshalText: unknown size (got -1)"},
	}
	for _, tc := range cases {
		t.Run(tc.wantText, func(t *testing.T) {
			if got := tc.size.String(); got != tc.wantText {
				t.Errorf("Size(%d).String() = %q; want %q", int(tc.size), got, tc.wantText)
			}
			b, err := tc.size.MarshalText()
			if tc.wantErr == "" {
				if err != nil || string(b) != tc.wantText {
					t.Errorf("MarshalText = %q, %v; want %q, nil", b, err, tc.wantText)
				}
				return
			}
			if !errors.Is(err, lab.ErrInvalid) || err.Error() != tc.wantErr || b != nil {
				t.Errorf("MarshalText = %q, %v; want nil and %q, matching ErrInvalid", b, err, tc.wantErr)
			}
			// JSON, which goes through MarshalText, refuses it too.
			if j, err := json.Marshal(struct{ Size lab.Size }{tc.size}); !errors.Is(err, lab.ErrInvalid) {
				t.Errorf("json.Marshal = %s, %v; want an error matching ErrInvalid", j, err)
			}
		})
	}
}

// recordMeter is a Meter that records that it was started.
type recordMeter struct{ started bool }

func (m *recordMeter) Start(time.Duration)                                  { m.started = true }
func (m *recordMeter) Begin(int, int, string, time.Duration, time.Duration) {}
func (m *recordMeter) Advance(time.Duration)                                {}
func (m *recordMeter) Finish()                                              {}

// TestEmptyOnlyAndNilProgress: Only with no name and Progress(nil) are bad
// options: Run returns an error matching ErrInvalid naming the option, and
// runs nothing. Only() ran every experiment, silently, against its doc
// ("restricts the run to the named experiments"); Progress(nil) silently
// showed no progress.
func TestEmptyOnlyAndNilProgress(t *testing.T) {
	// A cancelled run: a bad option must fail before anything starts, and
	// a good one runs nothing anyway (every experiment is NotRun).
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	meter := new(recordMeter)
	var none []string
	cases := []struct {
		name    string
		opts    []lab.Option
		wantErr string // prefix; "" for a run
	}{
		{"Only()", []lab.Option{lab.Only()}, "lab: Only(): no experiment named (want one or more of memory, spawn,"},
		{"Only(nil...)", []lab.Option{lab.Scale(lab.Quick), lab.Only(none...)}, "lab: Only(): no experiment named"},
		{"Only(), then Only(join)", []lab.Option{lab.Only(), lab.Only("join")}, "lab: Only(): no experiment named"},
		{"Progress(nil)", []lab.Option{lab.Only("join"), lab.Progress(nil)}, "lab: Progress(nil): the Meter must not be nil"},
		{"Progress(meter)", []lab.Option{lab.Only("join"), lab.Progress(meter)}, ""},
		{"no Only", []lab.Option{lab.Scale(lab.Quick)}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := lab.Run(ctx, tc.opts...)
			if tc.wantErr != "" {
				if rep != nil || !errors.Is(err, lab.ErrInvalid) || !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Errorf("Run = %v, %v; want nil and %q..., matching ErrInvalid", rep, err, tc.wantErr)
				}
				return
			}
			if rep == nil || errors.Is(err, lab.ErrInvalid) {
				t.Fatalf("Run = %v, %v; want a report (interrupted)", rep, err)
			}
		})
	}
	if !meter.started {
		t.Errorf("Progress(meter): the meter was not started")
	}
	if rep, _ := lab.Run(ctx, lab.Scale(lab.Quick)); rep == nil || len(rep.NotRun) != len(lab.Names()) {
		t.Errorf("Run without Only: %v; want every experiment (not run: cancelled)", rep)
	}
}
