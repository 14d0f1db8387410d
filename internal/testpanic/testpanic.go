// Package testpanic gives spool's tests one way to catch a panic and look
// at its value.
package testpanic

// Value runs f and returns what it panicked with, or nil if it returned.
func Value(f func()) (r any) {
	defer func() { r = recover() }()
	f()
	return nil
}
