package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestMain lets the test binary stand in for the runner's children: the
// runner re-executes os.Executable with -run-one.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "-run-one" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestRunWritesReport(t *testing.T) {
	// Under the race detector every child would sleep 1 s at exit.
	t.Setenv("GORACE", "atexit_sleep_ms=0")
	out := filepath.Join(t.TempDir(), "pools.md")
	raw := filepath.Join(t.TempDir(), "pools.json")
	err := run([]string{"-small", "-runs", "2", "-out", out, "-json", raw, "-filter", "^(pond|chan-floor|serial) (noop|spin-1us|submit-wait) "})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	// The plan's first limit is GOMAXPROCS: 2 only on a 2-core machine.
	pondRow := fmt.Sprintf("| %d | pond |", runtime.GOMAXPROCS(0))
	for _, want := range []string{"# spool vs its peers", "GOMAXPROCS", "## Targets", "## noop", "## spin-1us", "## submit-wait", pondRow, "chan-floor", "serial"} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "error:") {
		t.Errorf("report has a failed cell:\n%s", md)
	}
	if _, err := os.Stat(raw); err != nil {
		t.Errorf("raw samples: %v", err)
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-runs", "0"},
		{"-filter", "("},
		{"-filter", "no such cell"},
		{"-run-one", "-peer", "nope", "-spec", "{}"},
		{"-run-one", "-peer", "pond", "-spec", "not json"},
		{"-run-one", "-peer", "pond", "-spec", `{"Name":"noop","Work":"noop","Tasks":1,"Limit":0,"Subs":1}`},
	} {
		if err := run(args); err == nil {
			t.Errorf("run(%q): got nil error; want one", args)
		}
	}
}
