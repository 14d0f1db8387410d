// Package task provides typed futures: the one future type every spawning
// API in spool returns, and the combinators that await them.
//
//	t := task.Go(ctx, func(ctx context.Context) (int, error) { return 42, nil })
//	v, err := t.Await(ctx)
//
// Use it when you start work that returns a value or an error and somebody
// must wait for it: the Go form of tokio::spawn plus a JoinHandle, with
// join!, select!, timeout and JoinSet alongside:
//
//   - [Go], [Task.Await], [Task.Done], [Task.Cancel], [Task.Result]
//   - [All] (and [Join2], [Join3] for different types): await many, values in
//     the order given; the first failure cancels the rest.
//   - [Race] (first to end) and [Any] (first success): the losers are cancelled.
//   - [Select]: wait for whichever of several tasks, timers ([After]) and
//     contexts is done first: the answer to tokio::select!.
//   - [Timeout], [Sleep].
//   - [Group]: tokio's JoinSet, with an optional limit on how many run at
//     once, completion-order [Group.Next] and submission-order [Group.Wait];
//     each result is delivered once, and then forgotten. With [On], its
//     tasks run on an executor: task.On(r) puts them on a runtime r of
//     package rt, under its worker slots.
//   - [Flight]: singleflight, one run of a function for the callers of a
//     key whose calls overlap; each caller waits with its own context, and
//     the function's context ends only when every one of them has left.
//
// Don't use it for fire-and-forget work that nobody awaits (a task's
// error would go unseen, and a panic would be reported only when the
// garbage collector finds the task: use a pool's Go with a panic handler),
// for a bounded set of long-lived workers (use package pool), or to cap
// CPU parallelism while allowing any number of waiting tasks (use package
// rt, whose Spawn returns the same *Task).
//
// # Panics
//
// A panic in a task's function is recovered and returned from Await as a
// *PanicError carrying the panic value and the goroutine's stack, the way
// tokio returns a panic from the JoinHandle. A function that calls
// runtime.Goexit ends its task with ErrGoexit. Nothing is swallowed: the
// error is in the task's result for whoever awaits it, [PanicError.Repanic]
// turns it back into a panic for a caller that wants the crash, and a task
// that panicked and was dropped without anyone reading its error (Await,
// Result, a combinator that returns it, or a Group's Wait or Next) is
// reported when the garbage collector finds it: logged with its stack by
// default, or passed to the function set with [OnUnobservedPanic]. That
// holds whoever ran the task ([Go], a pool, a runtime, a [Group]): an
// executor reading the outcome for its own counts does not count as
// reading it.
//
// # Cancellation
//
// Go cannot abort a goroutine. Every task owns a context, a child of the one
// it was started with; cancelling the task ([Task.Cancel], or the parent)
// cancels that context, and the function ends when it notices. So:
//
//   - Await(ctx) returns when the task ends or when ctx is done; in the
//     second case it returns ctx's error (wrapped) and the task goes on.
//   - All, Join2, Join3, Race and Any cancel the tasks that lost or were
//     overtaken by a failure, and wait for them to return, as dropping
//     futures does in tokio; only their own ctx ending makes them return
//     early. Tasks that ended before ctx did still count: All, the Joins
//     and Any return the failures that came before it joined with ctx's
//     error. Tasks that failed only because a failure cancelled them are
//     counted in one line, not listed, so the error matches
//     context.Canceled only when the caller was cancelled.
//   - Group.Wait(ctx) waits for every task; Group.Close cancels the group's
//     context and waits for every task to return.
//   - Timeout runs its function on the caller's goroutine with a deadline:
//     a function that ignores its context overruns the limit.
//
// A task's context is spool's own type (it makes a task one allocation, not
// three). It works with everything in package context: once a parent's end
// reaches it, context.Cause of it, and of contexts derived from it, reports
// the cause given to the parent's cancel (context.WithCancelCause,
// WithDeadlineCause), even if the task's own end came right after that
// cancel returned (for a task made under that context itself: one nested
// in another task may report its own end's cause in that moment); a task
// cancelled itself reports context.Canceled. A
// Group's context, and those of the tasks its end cancelled, report the
// failure of a FailFast group (errors.Is finds it), as errgroup's does,
// and ErrClosed after Close. A package-context child of a task context
// made through a value child of it (context.WithValue, then WithTimeout)
// is watched by a goroutine of package context's, as for any custom
// context, and any package-context child hears of the end of a
// package-context ancestor a moment after that ancestor's cancel returns,
// where the task context's own Err reports it at once.
//
// # Await points
//
// Every blocking call here (Await, Sleep, Select, the combinators, Group
// waits) is an await point: on a runtime from package rt, the calling task
// gives its worker slot back while it waits. [Park] marks your own. A task
// of a pool (package pool) keeps its worker while it waits; when it waits
// (Await, All, the Joins, Race, Any, Select) for a task of the same pool
// that no other worker would start soon, it runs that task itself (see
// [Helper]). A
// [Group.Go] that runs fn itself under the caller-runs rule does not wait:
// fn runs on the calling goroutine, which keeps its slot throughout.
//
// # Cost
//
// On the project's 2-core machine, Go plus Await of a trivial function
// costs about 350-380 ns and 2 allocations (185 B), against about 375-400
// ns and 2 (176 B) for a bare goroutine that returns over a channel;
// BenchmarkGo measures both in one run. Await yields once before it parks, so a task just spawned
// usually ends without a park and a wake-up. An await point outside a
// runtime costs about 4 ns and no allocation (BenchmarkPark). A Group task
// costs about 240 ns at limit 100 and 270 ns at limit 10,000, against
// errgroup's 265 and 300 ns in the same run (BenchmarkGroup), although a
// Group keeps a future for every task, and its result until Next or Wait
// delivers it, and errgroup neither:
// a Group's workers take queued jobs one after another without parking.
// At limit 2 it is slower (about 450 ns against 330 ns): each task then
// wakes the submitter, and a worker that finds no job parks.
package task
