// Package fetch downloads many URLs at once, a bounded number at a time,
// each with its own time limit and retries: the chapter's fetch_many_urls
// (join_all over reqwest::get) made into the tool behind `spool fetch`.
//
//	for r := range fetch.Run(ctx, slices.Values(urls), fetch.Concurrency(16)) {
//		fmt.Println(r.URL, r.Status, r.Bytes, r.Err)
//	}
//
// Use it to fetch a list of URLs (a crawl frontier, a mirror list, a batch
// of API calls) where each URL's outcome matters on its own: [Run] yields
// exactly one [Result] per input URL, success or failure, and never stops
// the batch for one bad URL. Don't use it for one request (call
// httpretry.Do), for requests other than GET, or to hold bodies in memory:
// bodies are counted and, with [Dir], streamed to files; they are never
// returned.
//
// # Concurrency and retries
//
// At most [Concurrency] requests are in flight at once (default 8),
// counting the waits between retries: a URL holds its place until it is
// done. Each attempt has the time limit [Timeout] (default 30 s), which
// covers reading the body. Failed attempts are retried with package
// retry's policy, [Retries] times (default 2, so 3 attempts), classified
// by package httpretry: connection errors, 408, 425, 429, 500, 502, 503
// and 504 are retried; other statuses of 400 and above fail at once, and
// so do errors no other attempt can cure: a host name that does not
// resolve (NXDOMAIN), more than 10 redirects ([ErrRedirects], a loop most
// likely) and TLS certificate errors. Between attempts Run backs off
// exponentially, from 100 ms doubling up to 10 s, with full jitter. A
// Retry-After header is honoured up to [MaxRetryAfter]: Run waits what the
// server asked, plus a random part of up to a tenth of it, so that clients
// told the same wait do not all come back at once; a wait cut to
// MaxRetryAfter is spread below it instead (see retry.After). With retrying off (Retries(0)) a URL's error is
// its attempt's, without retry's wrapper.
//
// Workers start as URLs come, one per URL up to Concurrency, so a huge
// Concurrency costs nothing for a short list; Retries(math.MaxInt) means
// no limit but ctx.
//
// # Input
//
// Each URL must be absolute, http or https, with a host (and a port from 1
// to 65535, if it has one). A malformed URL, another scheme, and a URL
// that appeared earlier in the input (compared as given, less leading and
// trailing spaces; the error names the first one's Index) each get a Result
// with an error ([ErrMalformed], [ErrScheme], [ErrDuplicate]) and no
// request; the other URLs are fetched as usual. A URL given without its
// scheme (127.0.0.1:8080/x, localhost:8080, example.com/x) is malformed,
// and its error says what was likely meant: "no scheme (did you mean
// http://localhost:8080?)".
// To find duplicates, Run keeps every URL it has read until it ends:
// memory grows with the input (about 100 bytes a URL; with [Dir], about
// as much again for its file name, see Files).
//
// # Files
//
// With [Dir], each body is written to a temporary file in that directory
// (mode 0666 less the umask, as any new file: normally 0644)
// and renamed into place once complete, so a file under its final name is
// always whole; a failed or cancelled fetch leaves no file (and an older
// file of the same name untouched). The name is [FileName] of the URL:
// the host, port and path with every run of characters other than
// letters, digits, '.', '-' and '_' replaced by '_', without a leading
// '.', '-' or '_' (at most 80 bytes), then '_' and the first 24 hex digits
// (96 bits) of the SHA-256 of the whole URL, then the path's extension if
// it has a short one:
//
//	http://example.com:8080/docs/a b.html?x=1  ->  example.com_8080_docs_a_b_<24 hex>.html
//
// Names are stable across runs, and the hash keeps apart URLs that differ
// only in their query: two URLs get one name only if their hashes agree,
// which by chance takes some 3 x 10^14 URLs of one host and path for even odds
// (a billion of them: about 1 in 10^11), and on purpose a search of about
// 2^48 hashes. Within a run Run guarantees it: it keeps the names it has
// given out, and a URL whose name an earlier, different URL of the run
// already has fails, without a request, with an error matching
// [ErrNameClash] that names the name and the earlier URL's index; the
// earlier URL's file is left to it. (Across runs, a body saved under a name
// replaces whatever an earlier run saved there.)
//
// # Body size
//
// With [MaxBytes](n), a body longer than n bytes fails its URL with an
// error matching [ErrTooLarge], is not retried, and leaves no file; by
// default a body may be any size, and only [Timeout] ends one that never
// ends. The bytes counted are those saved: net/http asks servers for gzip
// and undoes it, so a response of a few hundred KB can save a thousand
// times that (260 KB of gzip are 256 MiB of zeros), and MaxBytes counts the
// decompressed bytes. spool fetch sets a limit of 1 GiB (--max-bytes).
//
// # Cancellation
//
// When ctx is done, requests in flight are cancelled, their temporary
// files removed, and every URL not yet done, including those the input
// still holds, is yielded with an error matching [ErrCancelled], ctx.Err()
// and ctx's cause: every input URL appears exactly once. Breaking out of the loop over Run's
// results stops reading the input and cancels the rest without yielding
// them. Either way Run's goroutines have all ended when the loop ends:
// since an iterator cannot be interrupted, that is once the input has
// yielded its next URL or ended, so a slow input (a pipe) holds the end
// of the loop until its next line. An input that must be abandoned at
// once has to end by itself: spool fetch's reader of standard input ends
// on an interrupt.
//
// # Command line
//
//	spool fetch [--concurrency N] [--timeout D] [--retries N] [--out DIR] [--max-bytes N] [--ordered] URL... | -
//
//	-c, --concurrency N  at most N requests in flight (default 8; 1 to 10,000)
//	    --timeout D      time limit of each attempt, body included (default 30s)
//	    --retries N      retries after the first attempt (default 2; 0 = none; at most 100)
//	-o, --out DIR        save bodies under DIR (made if missing; not ""), named by FileName
//	    --max-bytes N    fail a URL whose body, once decompressed, is over N bytes
//	                     (default 1073741824, 1 GiB; must be positive)
//	    --ordered        print records in input order instead of completion order
//	-                    read URLs from standard input, one per line
//	                     (blank lines, lines starting with # and a UTF-8
//	                     byte order mark at the start are skipped)
//
// spool fetch prints one JSON object per URL on standard output:
//
//	{"url":"http://...","status":200,"bytes":5120,"attempts":1,"duration_ms":21.4,"error":null,"path":"out/..."}
//
// url is the URL given, with a password in it masked ("http://ann:xxxxx@host/";
// [Redact] says what counts as one), here and in the notes on standard
// error; status is 0 when no response came; error is null on success, and
// otherwise says what failed in plain words, without the names of the
// packages the error came through: "404 Not Found", "timed out after 5s",
// "dial tcp 127.0.0.1:81: connect: connection refused", followed by
// "(gave up after 3 attempts)" when retries were spent (Result.Err keeps
// the whole error, for errors.Is and errors.As); path appears with --out.
// A URL given again is fetched and reported once: each repeat is skipped
// with a note on standard error, and is not a failure. A progress bar is
// drawn on standard error when that is a terminal (when standard output is
// the same terminal, the records are printed above the bar). On
// SIGINT or SIGTERM, spool fetch stops reading standard input (a pipe
// that never ends, such as tail -f, cannot keep it running) and reports
// the URLs it had read, those not done as cancelled. Exit status: 0 when
// every URL was fetched, 1 when any failed (all are still reported), 2 on
// bad usage, empty input, when standard output cannot be written (the
// run stops at once), or when interrupted.
//
// # Cost
//
// `spool fetch` of 1,000 URLs from a local server answering each in 20 ms,
// at concurrency 100, took a median 226 ms over 7 runs (min 224) on the
// project's quiet 2-core machine, against a floor of 200 ms (1.13x), and
// 225 ms for a hand-written errgroup fetcher without retries or checks
// run interleaved with it (bench/fetch: ./run.sh); under a load average of
// 11 it took 242 ms (1.21x).
// In process, Run adds about 13 allocations (1.1 KB) per URL to what
// net/http costs (BenchmarkRun against BenchmarkPlain).
package fetch
