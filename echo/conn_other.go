//go:build !unix

package echo

const rawSupported = false

func (c *conn) serveRaw() error       { return c.servePlain() }
func (c *conn) readable(uintptr) bool { return true }
