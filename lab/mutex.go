package lab

import (
	"context"
	"errors"
	"time"
)

var mutexExperiment = Experiment{
	Name:     "mutex",
	Title:    "async mutex vs sync mutex: a lock held across an await point",
	About:    "Waits for package guard (guard.Mutex with Lock(ctx)).",
	estimate: [3]time.Duration{Default: 2 * time.Second, Quick: 500 * time.Millisecond, Full: 5 * time.Second},
	run: func(ctx context.Context, e *env) (*Result, error) {
		return nil, errors.New("lab: needs packages rt and guard")
	},
}
