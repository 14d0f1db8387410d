package main

import (
	"net"
	"testing"
)

// Bad values of echo load's and echo serve's flags are reported under the
// flag's name (--conns, not "conns"; --addr, not "listen tcp"), exit 2, and
// an --addr that is not HOST:PORT is not blamed on a missing server.
func TestAuditCLIEchoFlagErrors(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	busy := l.Addr().String()
	cases := []struct {
		name    string
		args    []string
		want    string
		notWant string
	}{
		{"zero conns", []string{"load", "--conns", "0"}, "echo load: --conns 0: must be positive", ""},
		{"huge conns", []string{"load", "--conns", "2000000"}, "echo load: --conns 2000000: at most 1048576", ""},
		{"zero msgs", []string{"load", "--msgs", "0"}, "echo load: --msgs 0: must be positive", ""},
		{"negative size", []string{"load", "--size", "-5"}, "echo load: --size -5: must be positive", ""},
		{"huge size", []string{"load", "--conns", "1", "--size", "67108865"}, "echo load: --size 67108865: at most 67108864", ""},
		{"conns x size", []string{"load", "--conns", "100", "--size", "20000000"}, "echo load: --conns 100 x --size 20000000", ""},
		{"zero hold", []string{"load", "--idle", "--hold", "0s"}, "echo load: --hold 0s: must be positive", ""},
		{"negative pid", []string{"load", "--pid", "-3"}, "echo load: --pid -3: must not be negative", ""},
		{"empty addr", []string{"load", "--addr", ""}, `echo load: --addr "": give HOST:PORT`, ""},
		{"addr without port", []string{"load", "--addr", "nonsense"}, "echo load: --addr nonsense:", "is a server listening"},
		{"serve, unknown port", []string{"serve", "--addr", "127.0.0.1:9100x"}, "echo serve: --addr 127.0.0.1:9100x:", ""},
		{"serve, addr in use", []string{"serve", "--addr", busy}, "echo serve: --addr " + busy + ":", ""},
		{"serve, bad metrics addr", []string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "bad"}, "echo serve: --metrics-addr bad:", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { wantEchoUsage(t, tc.args, tc.want, tc.notWant) })
	}
}
