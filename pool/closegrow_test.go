package pool_test

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/pool"
)

// TestCloseDrainsAtTheLimit: work queued before Close gets as many workers
// as it would have had without Close. Close used to freeze the pool at the
// workers it had, so a batch of blocking jobs submitted and then closed ran
// on the one or two workers started so far: 200 jobs of 1 ms at limit 64
// took 100 ms instead of 4.
func TestCloseDrainsAtTheLimit(t *testing.T) {
	cases := []struct {
		limit, jobs int
	}{
		{limit: 4, jobs: 8},
		{limit: 16, jobs: 200},
		{limit: 64, jobs: 200},
		{limit: 64, jobs: 64},
	}
	for _, c := range cases {
		t.Run("", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p, err := pool.New(c.limit)
				if err != nil {
					t.Fatal(err)
				}
				var mu sync.Mutex
				running, most := 0, 0
				job := func() {
					mu.Lock()
					running++
					most = max(most, running)
					mu.Unlock()
					time.Sleep(time.Millisecond)
					mu.Lock()
					running--
					mu.Unlock()
				}
				start := time.Now()
				for range c.jobs {
					if err := p.Go(job); err != nil {
						t.Fatal(err)
					}
				}
				p.Close()
				// Fake time: the waves of 1 ms sleeps are all it measures.
				took := time.Since(start)
				waves := (c.jobs + c.limit - 1) / c.limit
				if want := time.Duration(waves) * time.Millisecond; took != want || most != min(c.limit, c.jobs) {
					t.Errorf("limit %d, %d jobs of 1 ms, then Close: took %v with at most %d running; want %v with %d",
						c.limit, c.jobs, took, most, want, min(c.limit, c.jobs))
				}
			})
		})
	}
}
