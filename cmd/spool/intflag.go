package main

import (
	"strconv"

	"github.com/spf13/pflag"
)

// intValue is an int flag that refuses a value an int cannot hold, with
// pflag's own "value out of range" error. pflag's IntVar reads 64 bits and
// converts, so on 32-bit platforms --buffer 99999999999 was taken as
// 1215752191 and --retries 9223372036854775807 as -1.
type intValue struct{ p *int }

func (v intValue) Set(s string) error {
	n, err := strconv.ParseInt(s, 0, strconv.IntSize)
	if err != nil {
		return err
	}
	*v.p = int(n)
	return nil
}

func (v intValue) String() string { return strconv.Itoa(*v.p) }
func (v intValue) Type() string   { return "int" }

// intFlag defines an int flag as pflag's IntVarP does, checked as
// intValue says. Every int flag of spool is made with it.
func intFlag(f *pflag.FlagSet, p *int, name, short string, value int, usage string) {
	*p = value
	f.VarP(intValue{p}, name, short, usage)
}
