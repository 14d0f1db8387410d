package httpretry_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/spool-go/spool/retry/httpretry"
)

// BenchmarkCheck: go test -run '^$' -bench Check -benchmem -count 6 ./retry/httpretry/
func BenchmarkCheck(b *testing.B) {
	ok := response(200)
	busy := response(503, "Retry-After", "7")
	b.Run("200", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if httpretry.Check(ok, nil, time.Minute) != nil {
				b.Fatal("not nil")
			}
		}
	})
	b.Run("503+retry-after", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if httpretry.Check(busy, nil, time.Minute) == nil {
				b.Fatal("nil")
			}
		}
	})
}

// BenchmarkTransport: a GET that succeeds at once, through base alone and
// through Transport(base), against an httptest server on 127.0.0.1 over a
// keep-alive connection; the body (2 bytes) is read and closed.
//
//	go test -run '^$' -bench Transport -benchmem -count 6 ./retry/httpretry/
func BenchmarkTransport(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	base := &http.Transport{}
	defer base.CloseIdleConnections()
	rt, err := httpretry.Transport(base)
	if err != nil {
		b.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
	if err != nil {
		b.Fatal(err)
	}
	benchRoundTrips(b, req, base, rt)
}

// benchRoundTrips runs req through base alone and through rt, base under
// Transport, reading and closing each response's body.
func benchRoundTrips(b *testing.B, req *http.Request, base, rt http.RoundTripper) {
	for _, bb := range []struct {
		name string
		rt   http.RoundTripper
	}{{"base", base}, {"retry", rt}} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				resp, err := bb.rt.RoundTrip(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}

// BenchmarkTransportOverhead: Transport's own cost, over a base that
// answers 200 from memory at once (fixed response; nothing to read).
//
//	go test -run '^$' -bench TransportOverhead -benchmem -count 6 ./retry/httpretry/
func BenchmarkTransportOverhead(b *testing.B) {
	ok := &http.Response{StatusCode: 200, Status: "200 OK", Header: http.Header{}, Body: http.NoBody}
	base := fixed{ok}
	rt, err := httpretry.Transport(base)
	if err != nil {
		b.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodGet, "http://example.test/", nil)
	if err != nil {
		b.Fatal(err)
	}
	benchRoundTrips(b, req, base, rt)
}

// fixed answers every request with the same response.
type fixed struct{ resp *http.Response }

func (f fixed) RoundTrip(*http.Request) (*http.Response, error) { return f.resp, nil }
