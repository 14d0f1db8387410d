package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newFetchCmd is a placeholder until its issue lands.
func newFetchCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "fetch",
		Short:  "not built yet",
		Hidden: true,
		RunE:   func(*cobra.Command, []string) error { return errors.New("fetch: not built yet") },
	}
}
