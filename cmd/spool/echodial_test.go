//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spool-go/spool/internal/stucknet"
)

// An interrupt while echo load is still opening its connections is
// reported as an interrupt (exit 2, "interrupted", the signal as cause), as
// the help promises ("when interrupted (after printing the figures
// measured so far, marked interrupted)"); it used to be a bare "context
// canceled" with no report.
func TestEchoLoadInterruptedWhileDialling(t *testing.T) {
	addr, _ := stucknet.Listen(t)
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	// Not a timing assertion: the signal only has to arrive while dials wait.
	stop := time.AfterFunc(300*time.Millisecond, func() { cancel(errors.New("interrupt signal received")) })
	defer stop.Stop()
	var out bytes.Buffer
	err := run(ctx, &out, io.Discard, "echo", "load", "--addr", addr, "--conns", "20", "--msgs", "1", "--dial-timeout", "20s")
	t.Logf("err=%v\nstdout=%q", err, out.String())
	if exitCode(err) != 2 {
		t.Errorf("exit %d, want 2", exitCode(err))
	}
	if err == nil || !strings.Contains(err.Error(), "interrupted") || !strings.Contains(err.Error(), "interrupt signal received") {
		t.Errorf("error %q does not say the run was interrupted, nor by what", err)
	}
	if !strings.Contains(out.String(), "interrupted") {
		t.Errorf("no report marked interrupted on stdout: %q", out.String())
	}
}
