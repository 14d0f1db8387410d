package httpretry_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/spool-go/spool/retry"
	"github.com/spool-go/spool/retry/httpretry"
)

// TestBadInput: Do's bad input. A nil ctx panics at once, naming
// httpretry (it used to reach retry.Do and crash on a nil dereference
// there); a nil newReq and a bad option are errors matching ErrInvalid,
// which is retry.ErrInvalid.
func TestBadInput(t *testing.T) {
	var nilCtx context.Context
	newReq := func(ctx context.Context) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:1/", nil)
	}
	const want = "httpretry: Do: nil context"
	got := func() (r any) {
		defer func() { r = recover() }()
		_, _ = httpretry.Do(nilCtx, nil, newReq)
		return nil
	}()
	if got != want {
		t.Errorf("Do(nil ctx) panicked with %v; want %q", got, want)
	}
	if httpretry.ErrInvalid != retry.ErrInvalid {
		t.Error("httpretry.ErrInvalid is not retry.ErrInvalid")
	}
	errs := []struct {
		name string
		call func() error
		want string
	}{
		{"nil newReq", func() error { _, err := httpretry.Do(t.Context(), nil, nil); return err },
			"httpretry: Do: newReq must not be nil (got nil)"},
		{"bad option", func() error { _, err := httpretry.Do(t.Context(), nil, newReq, retry.MaxAttempts(0)); return err },
			"retry: MaxAttempts(0): must be at least 1"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, httpretry.ErrInvalid) || err.Error() != tt.want {
				t.Errorf("Do = %v; want %q, matching ErrInvalid", err, tt.want)
			}
		})
	}
}
