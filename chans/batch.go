package chans

import (
	"context"
	"fmt"
	"time"
)

// minBatchCap is the room a batch starts with when the last one held fewer
// values (or there was none).
const minBatchCap = 64

// Batch groups the values of in into slices of up to size values. A batch
// is sent when it holds size values, or when maxWait has passed since its
// first value arrived, whichever comes first; a partial batch is sent when
// in is closed. Each batch is a new slice that the receiver owns. While a
// batch waits to be received, Batch does not read in, so a slow consumer
// pushes back on the producer.
//
// The returned channel is closed once in is closed (after the last batch is
// received) or ctx is done (the batch being built is then dropped). Batch
// starts one goroutine, owned by Batch, which ends then. A nil in is
// treated as closed. Having no error result, Batch panics at once on bad
// input: a nil ctx ("chans: Batch: nil context"), or a size or maxWait
// that is not positive, as in "chans: Batch: size must be positive (got
// 0)".
//
// A batch starts with room for as many values as the last batch held (64
// at least, size at most) and grows by append, so a size meant as "flush
// on time only" costs what the values take: size used to be reserved for
// every batch (128 MiB for a batch of one int at 1<<24), and math.MaxInt
// crashed the program from Batch's goroutine.
//
// Batch costs about 260 ns per value, the producer's channel handoff
// included (BenchmarkBatch/size=64, AMD EPYC; see the package doc), and
// one allocation per batch once batches are as long as the last: the
// first batch over 64 values grows to its length by append (over 16
// batches of 1024, 28 allocations against 23 when size was reserved up
// front, BenchmarkBatch/size=1024, the producer's included).
func Batch[T any](ctx context.Context, in <-chan T, size int, maxWait time.Duration) <-chan []T {
	if ctx == nil {
		panic("chans: Batch: nil context")
	}
	if size <= 0 {
		panic(fmt.Sprintf("chans: Batch: size must be positive (got %d)", size))
	}
	if maxWait <= 0 {
		panic(fmt.Sprintf("chans: Batch: maxWait must be positive (got %v)", maxWait))
	}
	out := make(chan []T)
	if in == nil {
		close(out)
		return out
	}
	done := ctx.Done()
	go func() {
		defer close(out)
		var (
			batch []T
			last  int // the previous batch's length
			timer *time.Timer
			due   <-chan time.Time // the timer's channel while a batch is open
		)
		defer func() {
			if timer != nil {
				timer.Stop()
			}
		}()
		flush := func() bool {
			due = nil
			timer.Stop()
			select {
			case out <- batch:
				last, batch = len(batch), nil
				return true
			case <-done:
				return false
			}
		}
		for {
			select {
			case v, ok := <-in:
				if !ok {
					if len(batch) > 0 {
						flush()
					}
					return
				}
				if batch == nil {
					// Room for as many values as the last batch held
					// (at least minBatchCap, at most size), not size: a
					// size meant as "flush on time only" reserved it all
					// per batch (1<<24 ints: 128 MiB for one value), and
					// math.MaxInt crashed here. The first batch that fills
					// to size grows to it by append; the next start at it.
					batch = make([]T, 0, min(size, max(last, minBatchCap)))
					if timer == nil {
						timer = time.NewTimer(maxWait)
					} else {
						timer.Reset(maxWait)
					}
					due = timer.C
				}
				batch = append(batch, v)
				if len(batch) == size && !flush() {
					return
				}
			case <-due:
				if !flush() {
					return
				}
			case <-done:
				return
			}
		}
	}()
	return out
}
