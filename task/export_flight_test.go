package task

// FlightWaiters returns how many callers wait for key's call in flight in
// f (0 if there is none), for tests and benchmarks that must know that
// every caller has joined.
func FlightWaiters[K comparable, V any](f *Flight[K, V], key K) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c := f.calls[key]; c != nil {
		return c.waiters
	}
	return 0
}
