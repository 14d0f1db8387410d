// Command spool is the command-line face of the spool library.
//
// Usage:
//
//	spool lab [--quick|--full] [--json] [--html FILE]   measure the chapter's claims on this machine
//	spool lab list [--quick|--full]                     list the experiments
//	spool lab run NAME... [--quick|--full] [--json] [--html FILE]
//	                                                    run only the named experiments
//	    --html FILE is opened before the run (a bad path fails at once); it
//	    must be a file name, not "" or - (standard output carries the report)
//
//	spool echo serve [--addr 127.0.0.1:7000] [--max-conns N] [--idle-timeout D]
//	                 [--write-timeout D] [--park-idle D] [--buffer N] [--grace D]
//	                 [--metrics-addr ADDR] [--verbose]
//	    a TCP echo server; SIGINT or SIGTERM shuts it down gracefully,
//	    saying on stderr how many open connections it waits for, and
//	    prints a one-line summary. --addr must not be empty; --buffer is at
//	    most 16 MiB; --metrics-addr closes a connection idle for 30s, or
//	    whose request takes over 10s to come or answer over 10s to be read
//	spool echo load [--addr A] [--conns C] [--msgs M] [--size S] [--json]
//	                [--idle --hold D] [--pid P] [--dial-timeout D] [--stall D]
//	    C connections (at most 1,048,576) each send M messages of S bytes
//	    (at most 64 MiB, and C x S at most 1 GiB) and check every echo;
//	    reports msgs/s, MB/s and p50/p99/max latency (with --idle and --pid,
//	    the server's memory per idle connection, to be measured against a
//	    freshly started server: none, with a note, when its memory did not
//	    grow measurably); its bar counts the
//	    messages, or with --idle the connections opened, then the seconds
//	    held; interrupted, it prints what it measured so far, marked
//	    interrupted
//
//	spool fetch [-c|--concurrency N] [--timeout D] [--retries N] [-o|--out DIR]
//	            [--max-bytes N] [--ordered] URL... | -
//	    fetch URLs (or one per line from stdin with -) at most N at a time
//	    (default 8, at most 10,000), each attempt limited to D (default
//	    30s), retried N times (default 2, at most 100) with back-off and
//	    Retry-After when another attempt may help (not for an unknown host
//	    or a redirect loop); one JSON record per URL, whose error says what
//	    failed in plain words; a URL without a scheme is refused with a
//	    suggestion; a repeated URL is skipped with a note on stderr; an
//	    --out directory that cannot be written to is refused before any
//	    request; a URL whose file name an earlier URL has fails unrequested;
//	    a body over --max-bytes N bytes once decompressed (default 1 GiB,
//	    must be positive) fails, unretried; passwords in URLs are printed
//	    masked (user:xxxxx)
//	spool cp [-j|--jobs N] [--verify] SRC... DST
//	    copy files and trees N at a time (default 8, at most 1024) through
//	    temporary files renamed into place, keeping modes, times and symlinks
//	    (FIFOs, sockets and devices are reported as failed items); DIR/.
//	    copies DIR's contents into DST, as cp -r does; a source whose target
//	    is an earlier source's (the same base name, or given twice) is
//	    refused with an error naming both
//
// Progress bars go to standard error, and only when it is a terminal.
//
// Signals: the first SIGINT or SIGTERM stops the command gracefully (cp
// abandons its copies and removes their temporary files, leaving the
// directories it made with mode 0700, and says how to finish: the same
// command again, or, when it made DST for one directory SRC, spool cp
// SRC/. DST, as the same command would copy into DST; fetch cancels its
// requests and stops reading standard input; lab cuts the experiment in
// progress short; echo serve drains its connections for up to --grace).
// A second SIGINT or SIGTERM exits at once, with status 130 (SIGINT) or
// 143 (SIGTERM), and may leave temporary files (.spool-cp-*,
// .spool-fetch-*) behind; lab removes the page that --html named if the
// run created it.
//
// Exit status: 0 on success, 1 when the command ran but some items failed
// (a URL, a file, an experiment, an echo connection), 2 on bad usage
// (including an unknown command, flag or help topic), a fatal error, or an
// interrupt by a first SIGINT or SIGTERM; 130 or 143 after a second one.
// The exception is echo serve, for which a signal is the normal way to
// stop: it exits 0 after its graceful shutdown.
package main
