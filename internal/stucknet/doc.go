// Package stucknet gives spool's tests a TCP listener that never accepts
// (Linux only): with a backlog of 0 the first dial completes into its
// queue, and the kernel drops the SYNs of the others, which wait until
// they time out or are cancelled.
package stucknet
