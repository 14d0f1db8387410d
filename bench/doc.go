// Package bench compares spool with its peers (raw goroutines, errgroup,
// ants, pond, conc, x/sync's singleflight, cenkalti/backoff,
// sethvargo/go-retry and a stdlib echo server). It is a separate module so
// that the library's go.mod names none of them. See README.md in this
// folder for how to run it.
package bench
