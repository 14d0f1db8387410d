package lab

import (
	"context"
	"errors"
	"time"
)

var blockingExperiment = Experiment{
	Name:     "blocking",
	Title:    "the blocking pitfall: time.Sleep on a 2-slot runtime vs SpawnBlocking",
	estimate: [3]time.Duration{Default: 2 * time.Second, Quick: 500 * time.Millisecond, Full: 5 * time.Second},
	run: func(ctx context.Context, e *env) (*Result, error) {
		return nil, errors.New("lab: needs package rt")
	},
}
