package main

import (
	"context"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Every int flag refuses a value an int cannot hold, on every platform:
// pflag's IntVar took 99999999999 as 1215752191 on 32-bit ones.
func TestIntFlagRange(t *testing.T) {
	over := strconv.FormatUint(math.MaxInt+1, 10)
	under := "-" + over + "1" // below math.MinInt
	cases := []struct {
		args []string
		want string // in the error; "" for none
	}{
		{[]string{"echo", "serve", "--buffer", over}, `invalid argument "` + over + `" for "--buffer" flag: strconv.ParseInt: parsing "` + over + `": value out of range`},
		{[]string{"echo", "serve", "--max-conns", under}, "value out of range"},
		{[]string{"echo", "load", "--conns", over}, "value out of range"},
		{[]string{"echo", "load", "--msgs", over}, "value out of range"},
		{[]string{"echo", "load", "--size", over}, "value out of range"},
		{[]string{"echo", "load", "--pid", over}, "value out of range"},
		{[]string{"fetch", "--retries", over, "http://127.0.0.1:1/"}, "value out of range"},
		{[]string{"fetch", "-c", over, "http://127.0.0.1:1/"}, "value out of range"},
		{[]string{"cp", "-j", over, "a", "b"}, "value out of range"},
		{[]string{"cp", "-j", "1e3", "a", "b"}, "invalid syntax"},
		// The largest int is read as itself, and found too large by the command.
		{[]string{"cp", "-j", strconv.Itoa(math.MaxInt), "a", "b"}, "--jobs " + strconv.Itoa(math.MaxInt) + ": too large (at most 1024)"},
		{[]string{"echo", "load", "--conns", "0x10", "--msgs", "-1"}, "--msgs -1: must be positive"}, // 0x10 read, as pflag does,
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out strings.Builder
			err := run(context.Background(), &out, &out, tc.args...)
			if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v (exit %d), output %q; want exit 2 with an error saying %q", err, exitCode(err), out.String(), tc.want)
			}
		})
	}
}

// Every int flag of every command is made with intFlag, and shows as an
// int flag with its default in help.
func TestIntFlagsChecked(t *testing.T) {
	var walk func(*cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		for _, fs := range []*pflag.FlagSet{c.Flags(), c.PersistentFlags()} {
			fs.VisitAll(func(f *pflag.Flag) {
				if f.Value.Type() != "int" {
					return
				}
				n++
				if _, ok := f.Value.(intValue); !ok {
					t.Errorf("%s --%s: value %T; want intValue (made with intFlag)", c.CommandPath(), f.Name, f.Value)
				}
			})
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRoot())
	if n == 0 {
		t.Fatal("found no int flag; want spool's (--jobs, --conns, ...)")
	}
	var help strings.Builder
	if err := run(context.Background(), &help, &help, "echo", "load", "--help"); err != nil {
		t.Fatal(err)
	}
	if got := help.String(); !strings.Contains(got, "--conns int ") || !strings.Contains(got, "(default 50)") {
		t.Errorf("help:\n%s\nwant it to show --conns as an int with its default 50", got)
	}
}
