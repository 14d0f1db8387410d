package guard_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/spool-go/spool/guard"
)

// TestMutRWMutexGetIsARead: RWMutex.Get "returns a copy of the value,
// taken under a read lock": it does not wait for other readers.
func TestMutRWMutexGetIsARead(t *testing.T) {
	for _, tt := range []struct {
		name string
		hold func(m *guard.RWMutex[int]) func()
	}{
		{"RLock", func(m *guard.RWMutex[int]) func() {
			g, err := m.RLock(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			return g.Unlock
		}},
		{"TryRLock", func(m *guard.RWMutex[int]) func() {
			g, ok := m.TryRLock()
			if !ok {
				t.Fatal("TryRLock failed on a free lock")
			}
			return g.Unlock
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var m guard.RWMutex[int]
				m.Set(7)
				unlock := tt.hold(&m)
				var got atomic.Int64
				got.Store(-1)
				go func() { got.Store(int64(m.Get())) }()
				synctest.Wait()
				if v := got.Load(); v != 7 {
					t.Errorf("Get while another reader holds the lock: got %d (-1: still waiting); want 7 at once", v)
				}
				unlock()
				synctest.Wait()
			})
		})
	}
}
