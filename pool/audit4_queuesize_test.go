package pool_test

import (
	"errors"
	"math"
	"testing"

	"github.com/spool-go/spool/pool"
)

// TestAudit4QueueSizeBound: the queue is a channel New allocates up front,
// so QueueSize(1<<40) made New ask for 16 TiB and die with "fatal error:
// runtime: out of memory", which no recover catches, and
// QueueSize(math.MaxInt) panicked in makechan with "size out of range".
// New now refuses a size above MaxQueueSize, in the package's words and
// before it allocates anything: an error matching ErrInvalid (the option
// itself no longer panics; see TestBadInput).
func TestAudit4QueueSizeBound(t *testing.T) {
	msg := queueSizeErr
	cases := []struct {
		name string
		give int
		want string // New's error; "" for none
	}{
		// MaxQueueSize itself: TestQueueSizeBounds (a pool would take 256 MiB).
		{name: "MaxQueueSize+1", give: 1<<24 + 1, want: msg(1<<24 + 1)},
		{name: "1<<30", give: 1 << 30, want: msg(1 << 30)},
		{name: "math.MaxInt", give: math.MaxInt, want: msg(math.MaxInt)},
		{name: "-1", give: -1, want: msg(-1)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := pool.New(1, pool.QueueSize(c.give))
			if p != nil {
				p.Close()
			}
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != c.want || (err != nil) != errors.Is(err, pool.ErrInvalid) {
				t.Errorf("New(1, QueueSize(%d)) = %v; want %q, matching ErrInvalid", c.give, err, c.want)
			}
		})
	}
	if pool.MaxQueueSize != 1<<24 {
		t.Errorf("MaxQueueSize = %d; want 1<<24, as its doc and QueueSize's message say", pool.MaxQueueSize)
	}
}

// TestAudit4ErrSizeSaysPoolOnce: New and Resize wrapped ErrSize, whose text
// starts with "pool: ", in a "pool: New(0): " of their own, so the message
// read "pool: New(0): pool: worker count must be positive".
func TestAudit4ErrSizeSaysPoolOnce(t *testing.T) {
	p := newPool(t, 2)
	cases := []struct {
		name string
		call func() error
		want string
	}{
		{"New(0)", func() error { _, err := pool.New(0); return err }, "pool: worker count must be positive (New(0))"},
		{"New(-3)", func() error { _, err := pool.New(-3); return err }, "pool: worker count must be positive (New(-3))"},
		{"Resize(0)", func() error { return p.Resize(0) }, "pool: worker count must be positive (Resize(0))"},
		{"Resize(-1)", func() error { return p.Resize(-1) }, "pool: worker count must be positive (Resize(-1))"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			if err == nil {
				t.Fatalf("%s = nil; want %q", c.name, c.want)
			}
			if got := err.Error(); got != c.want {
				t.Errorf("%s = %q; want %q", c.name, got, c.want)
			}
			if !errors.Is(err, pool.ErrSize) {
				t.Errorf("%s = %v; want it to match ErrSize", c.name, err)
			}
		})
	}
}
