// Command spool is the command-line face of the spool library.
//
// Usage:
//
//	spool lab [--quick|--full] [--json] [--html FILE]   measure the chapter's claims here
//	spool lab list                                      list the experiments
//	spool lab run NAME...                               run some experiments
//	spool echo serve --addr 127.0.0.1:7000              TCP echo server
//	spool echo load --addr A --conns C --msgs M --size S
//	spool fetch [--concurrency N] [--timeout D] [--retries N] [--out DIR] [--ordered] URL... | -
//	spool cp [--jobs N] [--verify] SRC... DST
//
// Exit status: 0 on success, 1 when the command ran but some items failed
// (a URL, a file), 2 on bad usage or a fatal error.
package main
