package echobench_test

import (
	"context"
	"errors"
	"net"
	"testing"

	echobench "github.com/spool-go/spool/bench/echo"
	"github.com/spool-go/spool/echo"
)

// Both servers echo every message of a small load, checked byte for byte
// by echo.Load. The heavy comparison is ./run.sh.
func TestServersEcho(t *testing.T) {
	cfgs := []echo.Config{
		{Conns: 20, Msgs: 200, Size: 64},
		{Conns: 5, Msgs: 50, Size: 4096},
		{Conns: 100, Idle: true, Hold: 1},
	}
	for _, kind := range []string{"baseline", "spool"} {
		t.Run(kind, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			var stop func()
			served := make(chan error, 1)
			switch kind {
			case "baseline":
				var b echobench.Baseline
				go func() { err := b.Serve(l); b.Wait(); served <- err }()
				stop = func() { l.Close() }
			case "spool":
				s := echo.New()
				go func() { served <- s.Serve(l) }()
				stop = func() { _ = s.Close() }
			}
			for _, cfg := range cfgs {
				cfg.Addr = l.Addr().String()
				r, err := echo.Load(context.Background(), cfg)
				if err != nil {
					t.Fatalf("Load(%+v) = %v", cfg, err)
				}
				want := int64(cfg.Conns * cfg.Msgs)
				if r.Errors != 0 || r.Messages != want || cfg.Idle && r.Held != cfg.Conns {
					t.Errorf("Load(%+v): messages %d, held %d, errors %d (%s); want %d, %d, 0",
						cfg, r.Messages, r.Held, r.Errors, r.FirstError, want, cfg.Conns)
				}
			}
			stop()
			if err := <-served; err == nil || kind == "spool" && !errors.Is(err, echo.ErrServerClosed) {
				t.Errorf("Serve = %v", err)
			}
		})
	}
}
