package main

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// When standard output cannot be written, echo load and lab list say so
// and exit 2, text and JSON alike, naming the command: the report is lost,
// so the run did not succeed.
func TestAuditCLIReportWriteFails(t *testing.T) {
	addr := serveOnce(t, func(c net.Conn) { io.Copy(c, c) })
	full := writerFunc(func([]byte) (int, error) { return 0, errors.New("no space left on device") })
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"echo load text", []string{"echo", "load", "--addr", addr, "--conns", "2", "--msgs", "3"}, "echo load: writing the report: no space left on device"},
		{"echo load JSON", []string{"echo", "load", "--addr", addr, "--conns", "2", "--msgs", "3", "--json"}, "echo load: writing the report: no space left on device"},
		{"echo load idle", []string{"echo", "load", "--addr", addr, "--conns", "2", "--idle", "--hold", "1ms"}, "echo load: writing the report: no space left on device"},
		{"lab list", []string{"lab", "list"}, "lab list: no space left on device"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { done <- run(context.Background(), full, io.Discard, tc.args...) }()
			var err error
			select {
			case err = <-done:
			case <-time.After(safety):
				t.Fatalf("spool %v did not return", tc.args)
			}
			if err == nil {
				t.Fatalf("spool %v: got success; want exit 2 saying %q", tc.args, tc.want)
			}
			if got := exitCode(err); got != 2 || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("spool %v: got exit %d, %q; want exit 2 saying %q", tc.args, got, err, tc.want)
			}
		})
	}
}

// Help that cannot be written to standard output (spool cp --help >
// /dev/full) fails with exit 2, whichever way it was asked for; it used to
// exit 0 with nothing written, as cobra ignores the error. Help that is
// written still succeeds.
func TestAuditCLIHelpWriteFails(t *testing.T) {
	full := writerFunc(func([]byte) (int, error) { return 0, errors.New("no space left on device") })
	cases := []struct {
		name string
		args []string
		out  io.Writer // nil: a buffer that takes everything
		want string    // the error; "" for success
	}{
		{"--help", []string{"cp", "--help"}, full, "writing help: no space left on device"},
		{"-h", []string{"fetch", "-h"}, full, "writing help: no space left on device"},
		{"root --help", []string{"--help"}, full, "writing help: no space left on device"},
		{"help command", []string{"help", "cp"}, full, "writing help: no space left on device"},
		{"help of a subcommand", []string{"help", "lab", "run"}, full, "writing help: no space left on device"},
		{"a command that only groups others", []string{"echo"}, full, "writing help: no space left on device"},
		{"completion without a shell", []string{"completion"}, full, "writing help: no space left on device"},
		{"a short write", []string{"cp", "--help"}, writerFunc(func(p []byte) (int, error) { return len(p) / 2, nil }), "writing help: short write"},
		{"help written", []string{"cp", "--help"}, nil, ""},
		{"help command written", []string{"help", "fetch"}, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf strings.Builder
			out := tc.out
			if out == nil {
				out = &buf
			}
			root := newRoot()
			root.SetArgs(tc.args)
			root.SetOut(out)
			root.SetErr(io.Discard)
			err := execute(context.Background(), root)
			switch {
			case tc.want == "" && (err != nil || !strings.Contains(buf.String(), "Usage:")):
				t.Errorf("spool %v: got %v and output %q; want success and the help", tc.args, err, buf.String())
			case tc.want == "":
			case err == nil:
				t.Errorf("spool %v: got success; want exit 2 saying %q", tc.args, tc.want)
			case exitCode(err) != 2 || !strings.Contains(err.Error(), tc.want):
				t.Errorf("spool %v: got exit %d, %q; want exit 2 saying %q", tc.args, exitCode(err), err, tc.want)
			}
		})
	}
}
