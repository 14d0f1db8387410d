//go:build !linux

package cp

// umask is unknown outside Linux: every copy gets an explicit chmod.
func umask() (mask uint32, known bool) { return 0, false }
