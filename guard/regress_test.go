package guard_test

import (
	"testing"

	"github.com/spool-go/spool/guard"
)

// TestRUnlockMisuseLeavesLock: a misplaced RUnlock panics without changing
// the lock, so a program that recovers (a server's per-request recover)
// can still use it. It used to subtract a reader first, leaving a lock
// nobody could take again.
func TestRUnlockMisuseLeavesLock(t *testing.T) {
	var m guard.RWMutex[int]
	g, _ := m.TryRLock()
	g.Unlock()
	func() {
		defer func() { recover() }()
		g.Unlock() // misuse: panics
	}()
	if w, ok := m.TryLock(); !ok {
		t.Errorf("after a recovered double RUnlock the unlocked RWMutex can no longer be locked")
	} else {
		w.Unlock()
	}
}

// TestRUnlockMisuseUnderWriterLeavesLock: the same with a writer holding
// the lock; the writer's own Unlock used to leave the state negative.
func TestRUnlockMisuseUnderWriterLeavesLock(t *testing.T) {
	var m guard.RWMutex[int]
	r, _ := m.TryRLock()
	r.Unlock()
	w, _ := m.TryLock()
	func() {
		defer func() { recover() }()
		r.Unlock() // misuse while a writer holds the lock
	}()
	func() {
		defer func() { recover() }()
		w.Unlock()
	}()
	if w2, ok := m.TryLock(); !ok {
		t.Errorf("lock unusable after a recovered stray RUnlock")
	} else {
		w2.Unlock()
	}
}
