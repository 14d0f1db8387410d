package httpretry_test

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spool-go/spool/retry"
	"github.com/spool-go/spool/retry/httpretry"
)

// delayOf reports the delay retry.Do would sleep after an attempt that
// failed with err, without sleeping: OnRetry cancels the call.
func delayOf(t *testing.T, err error) time.Duration {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	delay := time.Duration(-1)
	_, _ = retry.Do(ctx, func(ctx context.Context, attempt int) (int, error) { return 0, err },
		retry.MaxAttempts(2), retry.Backoff(retry.Constant(0)), retry.MaxAfter(math.MaxInt64),
		retry.OnRetry(func(_ int, _ error, d time.Duration) { delay = d; cancel() }))
	return delay
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{
		"0", "120", " 5 ", "-1", "+5", "1.5", "", "soon", "99999999999999999999999",
		"9223372036", "9223372037", "Wed, 21 Oct 2015 07:28:00 GMT", "Wednesday, 21-Oct-15 07:28:00 GMT",
		"Wed Oct 21 07:28:00 2015", "Fri, 31 Dec 9999 23:59:59 GMT", "Mon, 01 Jan 0001 00:00:00 GMT",
		"\t42\t", "4 2", "0x10", "１２",
	} {
		f.Add(s, int64(1445412480), int64(time.Minute))
	}
	f.Fuzz(func(t *testing.T, v string, nowUnix int64, capNanos int64) {
		now := time.Unix(nowUnix%(1<<40), 0).UTC()
		d, ok := httpretry.ParseRetryAfter(v, now)
		if d < 0 {
			t.Fatalf("ParseRetryAfter(%q) = %v; want >= 0", v, d)
		}
		if !ok && d != 0 {
			t.Fatalf("ParseRetryAfter(%q) = %v, false; want 0 when not ok", v, d)
		}
		tv := strings.Trim(v, " \t")
		if tv != "" && strings.Trim(tv, "0123456789") == "" {
			want := time.Duration(math.MaxInt64)
			if n, err := strconv.ParseInt(tv, 10, 64); err == nil && n <= math.MaxInt64/int64(time.Second) {
				want = time.Duration(n) * time.Second
			}
			if !ok || d != want {
				t.Fatalf("ParseRetryAfter(%q) = %v, %v; want %v, true", v, d, ok, want)
			}
		} else if ok {
			at, err := http.ParseTime(tv)
			if err != nil {
				t.Fatalf("ParseRetryAfter(%q) ok, but it is neither seconds nor an HTTP date", v)
			}
			if want := max(at.Sub(now), 0); d != want {
				t.Fatalf("ParseRetryAfter(%q) = %v; want %v", v, d, want)
			}
		}

		// Through Check, the delay is capped (and a cap <= 0 ignores it).
		maxDelay := time.Duration(capNanos)
		h := http.Header{"Retry-After": {v}, "Date": {now.Format(http.TimeFormat)}}
		err := httpretry.Check(&http.Response{StatusCode: 503, Header: h}, nil, maxDelay)
		got := delayOf(t, err)
		switch {
		case got < 0 || (maxDelay > 0 && got > maxDelay):
			t.Fatalf("Check delay for %q with cap %v = %v; want in [0, cap]", v, maxDelay, got)
		case ok && maxDelay > 0 && got != min(d, maxDelay):
			t.Fatalf("Check delay for %q with cap %v = %v; want %v", v, maxDelay, got, min(d, maxDelay))
		case (!ok || maxDelay <= 0) && got != 0:
			t.Fatalf("Check delay for %q with cap %v = %v; want 0 (the back-off's)", v, maxDelay, got)
		}
	})
}
