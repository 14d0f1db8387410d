// Command spool is the command-line face of the spool library.
//
// Usage:
//
//	spool lab [--quick|--full] [--json] [--html FILE]   measure the chapter's claims on this machine
//	spool lab list                                      list the experiments
//	spool lab run NAME...                               run only the named experiments
//
//	spool echo serve [--addr 127.0.0.1:7000] [--max-conns N] [--idle-timeout D]
//	                 [--write-timeout D] [--park-idle D] [--buffer N] [--grace D]
//	                 [--metrics-addr ADDR] [--verbose]
//	    a TCP echo server; SIGINT or SIGTERM shuts it down gracefully and
//	    prints a one-line summary
//	spool echo load [--addr A] [--conns C] [--msgs M] [--size S] [--json]
//	                [--idle --hold D] [--pid P] [--dial-timeout D] [--stall D]
//	    C connections each send M messages of S bytes and check every echo;
//	    reports msgs/s, MB/s and p50/p99/max latency (with --idle and --pid,
//	    the server's memory per idle connection)
//
//	spool fetch [-c|--concurrency N] [--timeout D] [--retries N] [-o|--out DIR] [--ordered] URL... | -
//	    fetch URLs (or one per line from stdin with -) at most N at a time
//	    (default 8), each attempt limited to D (default 30s), retried N times
//	    (default 2) with back-off and Retry-After; one JSON record per URL
//	spool cp [-j|--jobs N] [--verify] SRC... DST
//	    copy files and trees N at a time (default 8) through temporary
//	    files renamed into place, keeping modes, times and symlinks
//
// Progress bars go to standard error, and only when it is a terminal.
//
// Exit status: 0 on success, 1 when the command ran but some items failed
// (a URL, a file, an experiment, an echo), 2 on bad usage, an interrupt, or
// a fatal error.
package main
