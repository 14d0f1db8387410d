package pools

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Sample is what one run of one peer on one spec measured.
type Sample struct {
	Tasks      int           `json:"tasks"`
	Elapsed    time.Duration `json:"elapsed_ns"`  // making the executor, submitting, waiting, shutting down
	AllocBytes uint64        `json:"alloc_bytes"` // runtime.MemStats.TotalAlloc growth during the run
	Allocs     uint64        `json:"allocs"`      // runtime.MemStats.Mallocs growth during the run
	GCs        uint32        `json:"gcs"`         // garbage collections during the run
	PeakRSS    int64         `json:"peak_rss"`    // the process's VmHWM in bytes after the run; 0 if unknown
	// Waves, for a Sleep spec, holds when the Limit-th, 2·Limit-th, ...
	// task started, from the run's start: with every slot busy sleeping,
	// the tasks run in waves of Limit, and a wave that starts later than
	// Sleep after the one before shows what the executor and the timers
	// add to each task.
	Waves []time.Duration `json:"waves_ns,omitempty"`
}

// TasksPerSec is the run's throughput.
func (s Sample) TasksPerSec() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Tasks) / s.Elapsed.Seconds()
}

// Measure runs s once on p in this process and measures it. The peak RSS
// is the whole process's, so run each measurement in a fresh process (as
// cmd/pools does) for it to mean anything.
func Measure(p Peer, s Spec) (Sample, error) {
	fn := s.Body()
	var (
		start time.Time
		waves []time.Duration
	)
	if s.Work == Sleep && s.Limit > 0 && s.Tasks >= s.Limit {
		// One atomic add a task, and a clock read a wave: the task that
		// takes number k·Limit is the k·Limit-th to start.
		waves = make([]time.Duration, s.Tasks/s.Limit)
		var started atomic.Int64
		body, limit := fn, int64(s.Limit)
		fn = func() {
			if n := started.Add(1); n%limit == 0 {
				waves[n/limit-1] = time.Since(start)
			}
			body()
		}
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start = time.Now()
	err := p.Exec(s, fn)
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if err != nil {
		return Sample{}, err
	}
	return Sample{
		Tasks:      s.Tasks,
		Elapsed:    elapsed,
		AllocBytes: after.TotalAlloc - before.TotalAlloc,
		Allocs:     after.Mallocs - before.Mallocs,
		GCs:        after.NumGC - before.NumGC,
		PeakRSS:    PeakRSS(),
		Waves:      waves,
	}, nil
}

// PeakRSS returns the process's peak resident set size in bytes (VmHWM in
// /proc/self/status), or 0 where that file does not exist.
func PeakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0
		}
		return kb << 10
	}
	return 0
}
