package wait

import (
	"testing"
	"testing/synctest"
	"time"
)

func TestClosed(t *testing.T) {
	tests := []struct {
		name    string
		closeAt time.Duration // -1: never
		d       time.Duration
		want    bool
	}{
		{"already closed, no wait", 0, 0, true},
		{"open, no wait", -1, 0, false},
		{"open, negative wait", -1, -time.Second, false},
		{"closes within d", 50 * time.Millisecond, 100 * time.Millisecond, true},
		{"closes after d", 200 * time.Millisecond, 100 * time.Millisecond, false},
		{"never closes", -1, 100 * time.Millisecond, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ch := make(chan struct{})
				switch {
				case tt.closeAt == 0:
					close(ch)
				case tt.closeAt > 0:
					time.AfterFunc(tt.closeAt, func() { close(ch) })
				}
				if got := Closed(ch, tt.d); got != tt.want {
					t.Errorf("Closed(ch, %v) with close at %v = %v, want %v", tt.d, tt.closeAt, got, tt.want)
				}
				if tt.closeAt > 0 {
					<-ch // let the timer's goroutine end inside the bubble
				}
			})
		})
	}
}

// TestWake: Wake leaves exactly one token, however many wakers call it,
// and never blocks on a full channel.
func TestWake(t *testing.T) {
	for _, calls := range []int{1, 2, 5} {
		ch := make(chan struct{}, 1)
		for range calls {
			Wake(ch)
		}
		if got := len(ch); got != 1 {
			t.Errorf("%d Wake calls left %d tokens; want 1", calls, got)
		}
		<-ch
		if got := len(ch); got != 0 {
			t.Errorf("after taking the token, %d left; want 0", got)
		}
	}
}
