package task

import "errors"

// ErrInvalid is matched (errors.Is) by every error of package task that
// reports bad input rather than a failure: [ErrNilFunc], [ErrNilTask],
// [ErrNoTasks], and [Timeout]'s error for a time limit that is not
// positive. Bad input to a function without an error result panics
// instead (see [NewGroup]), and so does a nil context anywhere.
var ErrInvalid = errors.New("task: invalid option or argument")

// invalidError is an error of bad input: its text names what was wrong,
// and it matches ErrInvalid.
type invalidError string

func (e invalidError) Error() string { return string(e) }
func (e invalidError) Unwrap() error { return ErrInvalid }
