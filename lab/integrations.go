package lab

// Hooks for packages that are still being written.
func cpuRunnersExtra() []cpuRunner     { return nil }
func counterKindsExtra() []counterKind { return nil }
func sumSquaresExtra(xs []uint64) []struct {
	name string
	run  func()
} {
	return nil
}
