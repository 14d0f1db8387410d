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
