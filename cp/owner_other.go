//go:build !unix

package cp

import "io/fs"

// keepIDs returns mode: there are no owners to compare here (nor setuid
// or setgid bits).
func keepIDs(mode fs.FileMode, _, _ fs.FileInfo) fs.FileMode { return mode }
