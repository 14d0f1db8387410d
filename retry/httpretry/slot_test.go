package httpretry_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/spool-go/spool/retry/httpretry"
	"github.com/spool-go/spool/rt"
)

// TestDoGivesSlotBack: on a runtime, Do's round trip and its download
// of the body are await points: the task's worker slot goes to another
// task meanwhile. Do held it, so one slow backend stalled every task of
// a one-slot runtime (and the blocking detector named net/http's
// roundTrip).
func TestDoGivesSlotBack(t *testing.T) {
	tests := []struct {
		name    string
		handler func(w http.ResponseWriter, release <-chan struct{})
	}{
		{"waiting for the response", func(w http.ResponseWriter, release <-chan struct{}) {
			<-release
			_, _ = io.WriteString(w, "ok")
		}},
		{"reading the body", func(w http.ResponseWriter, release <-chan struct{}) {
			w.Header().Set("Content-Length", "4")
			_, _ = io.WriteString(w, "ok")
			w.(http.Flusher).Flush()
			<-release
			_, _ = io.WriteString(w, "ok")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entered, release := make(chan struct{}, 1), make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				entered <- struct{}{}
				tt.handler(w, release)
			}))
			defer srv.Close()
			defer srv.CloseClientConnections()
			r, err := rt.New(rt.Workers(1), rt.DetectBlocking(0))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Shutdown(context.Background())
			bg := context.Background()
			slow := rt.Spawn(r, bg, func(ctx context.Context) (int, error) {
				resp, err := httpretry.Do(ctx, srv.Client(), func(ctx context.Context) (*http.Request, error) {
					return http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
				})
				if err != nil {
					return 0, err
				}
				b, _ := io.ReadAll(resp.Body)
				return len(b), nil
			})
			<-entered
			// While the slow task waits on the network, another task gets
			// the only slot. The bound only keeps a failure from hanging.
			ctx, cancel := context.WithTimeout(bg, 10*time.Second)
			defer cancel()
			_, err = rt.Spawn(r, bg, func(context.Context) (int, error) { return 1, nil }).Await(ctx)
			close(release)
			if err != nil {
				t.Errorf("another task on the one-slot runtime while Do waits %s: %v; want it run", tt.name, err)
			}
			if n, err := slow.Await(bg); err != nil || n == 0 {
				t.Errorf("the slow request: %d bytes, %v; want its body", n, err)
			}
		})
	}
}
