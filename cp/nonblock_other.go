//go:build !unix

package cp

// oNonblock: no O_NONBLOCK here.
const oNonblock = 0
