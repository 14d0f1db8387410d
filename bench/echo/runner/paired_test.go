package main

import (
	"math"
	"testing"
	"time"

	"github.com/spool-go/spool/echo"
)

func TestPaired(t *testing.T) {
	msgs := func(round int, server string, perSec float64, cpu time.Duration) run {
		return run{workload: "w", server: server, round: round, r: echo.Report{MsgsPerSec: perSec, CPUPerMsg: cpu}}
	}
	idle := func(round int, server string, perConn float64) run {
		return run{workload: "idle", server: server, round: round, r: echo.Report{Idle: true, BytesPerConn: perConn}}
	}
	cases := []struct {
		name           string
		runs           []run
		workload       string
		wantX, wantCPU float64
		wantN          int
	}{
		{"rounds at different speeds", []run{
			msgs(0, "baseline", 100, 10), msgs(0, "spool", 110, 9),
			msgs(1, "spool", 220, 5), msgs(1, "baseline", 200, 5),
			msgs(2, "baseline", 150, 8), msgs(2, "spool", 150, 8),
		}, "w", 1.10, 1.0, 3},
		{"a round without the baseline is left out", []run{
			msgs(0, "baseline", 100, 10), msgs(0, "spool", 120, 10),
			msgs(1, "spool", 500, 1),
		}, "w", 1.20, 1.0, 1},
		{"idle: memory per connection", []run{
			idle(0, "baseline", 4000), idle(0, "spool", 1000),
			idle(1, "spool", 1300), idle(1, "baseline", 4000),
		}, "idle", 0.2875, 0, 2},
		{"no such workload", []run{msgs(0, "baseline", 1, 1)}, "other", 0, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x, cpu, n := paired(c.runs, c.workload, "spool")
			if n != c.wantN || math.Abs(x-c.wantX) > 1e-9 || math.Abs(cpu-c.wantCPU) > 1e-9 {
				t.Errorf("paired = %.4f, %.4f, %d; want %.4f, %.4f, %d", x, cpu, n, c.wantX, c.wantCPU, c.wantN)
			}
		})
	}
}
