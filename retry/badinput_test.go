package retry_test

import (
	"context"
	"errors"
	"testing"

	"github.com/spool-go/spool/retry"
	"github.com/spool-go/spool/task"
)

// TestNilContextPanics: Do panics at once with "retry: Do: nil context",
// with or without options. It used to crash on a nil dereference.
func TestNilContextPanics(t *testing.T) {
	var nilCtx context.Context
	fn := func(context.Context, int) (int, error) { return 1, nil }
	p, err := retry.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		opts []retry.Option
	}{
		{"no options", nil},
		{"a Policy", []retry.Option{p}},
		{"inline options", []retry.Option{retry.MaxAttempts(2)}},
		{"a bad option", []retry.Option{retry.MaxAttempts(0)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			const want = "retry: Do: nil context"
			got := func() (r any) {
				defer func() { r = recover() }()
				_, _ = retry.Do(nilCtx, fn, tt.opts...)
				return nil
			}()
			if got != want {
				t.Errorf("Do(nil ctx) panicked with %v; want %q", got, want)
			}
		})
	}
}

// TestBadArguments: Do's bad arguments (the options' are in
// TestValidation) are errors matching ErrInvalid, naming Do once: a nil
// fn (also task.ErrNilFunc; it used to read "retry: task: nil function"),
// and a *Policy not built with New.
func TestBadArguments(t *testing.T) {
	tests := []struct {
		name string
		call func() error
		also error
		want string
	}{
		{"nil fn", func() error { _, err := retry.Do[int](t.Context(), nil); return err }, task.ErrNilFunc,
			"retry: Do: fn must not be nil (got nil)"},
		{"zero Policy", func() error {
			_, err := retry.Do(t.Context(), func(context.Context, int) (int, error) { return 1, nil }, &retry.Policy{})
			return err
		}, nil, "retry: Do: a *Policy not built with retry.New"},
		{"nil option", func() error {
			_, err := retry.Do(t.Context(), func(context.Context, int) (int, error) { return 1, nil }, nil)
			return err
		}, nil, "retry: Do: option must not be nil (got nil at index 0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, retry.ErrInvalid) || tt.also != nil && !errors.Is(err, tt.also) {
				t.Fatalf("%s: Do = %v; want an error matching ErrInvalid and %v", tt.name, err, tt.also)
			}
			if err.Error() != tt.want {
				t.Errorf("%s: Do = %q; want %q", tt.name, err, tt.want)
			}
		})
	}
}
