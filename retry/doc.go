// Package retry calls a function again when it fails, waiting longer each
// time: the chapter's retry_operation, with the limits, jitter and error
// shape that users of cenkalti/backoff, sethvargo/go-retry and failsafe-go
// asked for.
//
//	v, err := retry.Do(ctx, func(ctx context.Context, attempt int) (Reply, error) {
//		return call(ctx)
//	}, retry.OnRetry(func(attempt int, err error, d time.Duration) {
//		log.Printf("Attempt %d failed: %v, retrying...", attempt, err)
//	}))
//
// Use it for operations that fail transiently and are safe to repeat
// (idempotent requests, reconnects, optimistic-lock conflicts). Do not use
// it to paper over errors that will not go away, to poll for a state change
// (a ticker says what it does), or around a call that already retries (two
// nested layers multiply the attempts). For HTTP, package
// [github.com/spool-go/spool/retry/httpretry] classifies responses,
// honours Retry-After, and puts retries inside an *http.Client (its
// Transport).
//
// # Attempts, not retries
//
// [MaxAttempts] counts calls to fn, the first included: MaxAttempts(3) is
// one attempt and up to two retries, as in the chapter (go-retry counts
// retries; backoff's WithMaxTries counts attempts; the name here says
// which). fn receives the attempt number, from 1.
//
// # Defaults
//
// Three attempts, 100 ms then 200 ms between them (Exponential(100ms, 10s),
// factor 2, no jitter), no time budget, no per-attempt timeout, every error
// retried but those marked [Permanent] (or matching [ErrPermanent]: see
// Classification). There is no hidden elapsed-time limit
// (cenkalti/backoff stops after 15 minutes unless told otherwise): only
// [MaxElapsed] and ctx end a call early. Jitter is opt-in so that the
// defaults behave as written; turn on [FullJitter] when many clients may
// fail at the same moment.
//
// # Limits
//
// ctx is checked before every attempt and cuts every wait short, and Do
// gives up at once ([ErrDeadline], which matches
// context.DeadlineExceeded) when the next attempt could not start before
// ctx's deadline, rather than sleep until it; [MaxElapsed] is a budget for
// starting attempts (Do gives up as soon as the next attempt would start
// late, rather than sleeping first); [AttemptTimeout] gives each attempt a
// context that ends after a time.
//
// # Classification
//
// By default every error is retried except one marked with [Permanent], and
// one that matches [ErrPermanent]: the *Error of a nested Do that gave up
// on a permanent error, so the outer Do gives up too instead of retrying a
// call known to be hopeless. [If] replaces that rule (Permanent still
// wins). fn can ask for a given delay with [After], as a Retry-After
// header does; Do then waits that delay rather than the back-off's, never
// more than [MaxAfter] (1 minute by default). With a jittered back-off, Do
// adds up to a tenth of the delay (still within MaxAfter), so that
// clients told the same delay do not all come back at once.
//
// # Giving up
//
// A call that gives up returns an [*Error] with the number of attempts,
// the last attempt's error and the cause: [ErrAttempts], [ErrElapsed],
// [ErrPermanent], [ErrDeadline] or ctx's error. It unwraps to both the last error and the
// cause, so errors.Is(err, context.DeadlineExceeded) and errors.Is(err,
// lastErr) both hold, whichever limit ended the call; the last error is
// never lost. retry's own wrappers (Permanent, After) are removed from it.
// [OnGiveUp] sets a hook that gets that *Error once, just before Do
// returns it (the counterpart of [OnRetry], which sees the failures that
// will be retried): one place for the final log line or a give-up metric.
//
// # Sharing
//
// A [*Policy] is immutable and holds no per-call state: build it once with
// [New] (which validates every option and returns an error matching
// [ErrInvalid] for a bad one, naming it, as in "retry: MaxAttempts(0): must
// be at least 1") and use it from any number of goroutines. A *Policy is an
// [Option]: retry.Do(ctx, fn, policy).
//
// # Waiting
//
// The wait between attempts is a spool await point ([task.Sleep]): on a
// runtime (package rt) it gives the task's slot back while it sleeps.
//
// # Cost
//
// The loop costs next to nothing when the first attempt succeeds: about
// 4 ns over calling fn, no allocation, when Do gets no option or one
// *Policy; three failing attempts with no delay cost about 53 ns and one
// allocation (the *Error) (BenchmarkDo, medians of 6). In the bench
// module's comparison (bench/retry/run.sh, medians of 6:
// bench/retry/results.txt), a success cost 6.3 ns through spool, 88 ns and
// 3 allocations through cenkalti/backoff v5 and 33 ns and 2 allocations
// through sethvargo/go-retry; three failures 57 ns and 1 allocation,
// 847 ns and 10, 811 ns and 14. Part of the gap on failures: spool does
// not start a timer for a zero delay, both peers do. See [Do] for the
// details.
package retry
