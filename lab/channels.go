package lab

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"time"
)

var channelsExperiment = Experiment{
	Name:  "channels",
	Title: "channel throughput: unbuffered vs buffered (1, 64, 1024), one and many producers",
	About: "Producers send M integers over one channel to a single consumer (the chapter's " +
		"channel_example and fan_in_pattern). An unbuffered channel makes every send wait for the " +
		"receiver: a hand-over per message. A buffer lets the sides run apart and batch their wake-ups.",
	estimate: [3]time.Duration{Default: 2 * time.Second, Quick: 500 * time.Millisecond, Full: 8 * time.Second},
	run:      runChannels,
}

// sendAll sends m values over a channel with buffer buf from producers
// goroutines to one consumer, and returns the time from the first send to
// the last receive.
func sendAll(m, buf, producers int) (time.Duration, error) {
	ch := make(chan int, buf)
	var wg sync.WaitGroup
	start := time.Now()
	for p := range producers {
		lo, hi := p*m/producers, (p+1)*m/producers
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				ch <- i
			}
		})
	}
	go func() { wg.Wait(); close(ch) }() // ends when the producers do
	var sum int
	for v := range ch {
		sum += v
	}
	took := time.Since(start)
	if want := m * (m - 1) / 2; sum != want {
		return took, fmt.Errorf("lab: channel lost messages: sum %d, want %d", sum, want)
	}
	return took, nil
}

func runChannels(ctx context.Context, e *env) (*Result, error) {
	m := pick(e.size, 50_000, 400_000, 2_000_000)
	reps := pick(e.size, 2, 3, 5)
	if raceEnabled {
		m = 5000
	}
	return measureChannels(ctx, e, m, reps)
}

func measureChannels(ctx context.Context, e *env, m, reps int) (*Result, error) {
	res := &Result{}
	bufs := []int{0, 1, 64, 1024}
	prods := []int{1, max(4, 2*runtime.GOMAXPROCS(0))}
	st := e.steps(len(bufs) * len(prods))
	got := make([][]Stat, len(bufs))
	for bi, b := range bufs {
		got[bi] = make([]Stat, len(prods))
		for pi, p := range prods {
			s, err := sample(ctx, reps, func() (float64, error) {
				took, err := sendAll(m, b, p)
				return float64(m) / took.Seconds(), err
			})
			if err != nil {
				return res, err
			}
			got[bi][pi] = res.metric(fmt.Sprintf("channels/buffer-%d/%d-producers", b, p), "msgs/s", s)
			st.next()
		}
	}
	cols := []string{"buffer"}
	for _, p := range prods {
		cols = append(cols, fmt.Sprintf("%d producer(s)", p), "per message")
	}
	t := Table{Title: fmt.Sprintf("%s messages to one consumer (%d rounds)", fmtCount(m), reps), Columns: cols}
	ch := Chart{Title: "channel throughput", Kind: "bar", XName: "buffer", YName: "million messages/s"}
	for _, b := range bufs {
		ch.X = append(ch.X, strconv.Itoa(b))
	}
	for bi, b := range bufs {
		row := []string{strconv.Itoa(b)}
		for pi := range prods {
			row = append(row, fmtRate(got[bi][pi].Median, "msg"), fmtNS(1e9/got[bi][pi].Median))
		}
		t.Rows = append(t.Rows, row)
	}
	for pi, p := range prods {
		s := Series{Name: fmt.Sprintf("%d producer(s)", p)}
		for bi := range bufs {
			s.Values = append(s.Values, got[bi][pi].Median/1e6)
		}
		ch.Series = append(ch.Series, s)
	}
	res.Tables = append(res.Tables, t)
	res.Charts = append(res.Charts, ch)

	unbuf, big := got[0][0], got[len(bufs)-1][0]
	c := Claim{
		Quote:    "Channels avoid shared state entirely through message passing",
		Measured: fmt.Sprintf("1 producer: %s per message unbuffered, %s with 1024 buffered", fmtNS(1e9/unbuf.Median), fmtNS(1e9/big.Median)),
		Median:   1e9 / unbuf.Median, Spread: unbuf.Spread, Unit: "ns",
		Verdict:  "no figure to check; a buffer is " + fmtX(big.Median/unbuf.Median) + " faster",
		NoFigure: true,
	}
	res.Claims = append(res.Claims, c)
	res.note("Many producers contend for the channel's lock, so their total is often lower than one producer's: " +
		"fan-in costs coordination, not just sends.")
	return res, nil
}
