package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// safety bounds every wait in these tests; it is never reached when they pass.
const safety = 20 * time.Second

// A mistyped subcommand is an error (exit 2), not a request for help.
func TestUnknownSubcommands(t *testing.T) {
	cases := []struct {
		args     []string
		wantCode int // 0: help printed
		want     string
	}{
		{[]string{"echo", "sever"}, 2, `unknown command "sever" for "spool echo"`},
		{[]string{"completion", "fish2"}, 2, `unknown command "fish2" for "spool completion"`},
		{[]string{"help", "bogus"}, 2, `unknown help topic "bogus"`},
		{[]string{"help", "echo", "sever"}, 2, `"sever" is not a command of "spool echo"`},
		{[]string{"bogus"}, 2, `unknown command "bogus" for "spool"`},
		{[]string{"echo"}, 0, "spool echo [flags]"},
		{[]string{"completion"}, 0, "spool completion [command]"},
		{[]string{"help", "lab", "run"}, 0, "spool lab run NAME..."},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), &out, &out, tc.args...)
			code := 0
			if err != nil {
				code = exitCode(err)
			}
			if code != tc.wantCode || !strings.Contains(fmt.Sprint(err)+out.String(), tc.want) {
				t.Errorf("got exit %d, error %v, output %q; want exit %d mentioning %q", code, err, out.String(), tc.wantCode, tc.want)
			}
		})
	}
}
