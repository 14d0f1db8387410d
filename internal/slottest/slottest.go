// Package slottest gives spool's tests a task.Slot that counts how often
// it is given back and taken again, to check that a wait is an await point.
package slottest

import "sync/atomic"

// Counter is a task.Slot that counts its calls. The zero value is ready.
type Counter struct {
	Released, Acquired atomic.Int64
}

// Release counts a give-back.
func (c *Counter) Release() bool { c.Released.Add(1); return true }

// Acquire counts a take.
func (c *Counter) Acquire() { c.Acquired.Add(1) }
