package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newEchoCmd is a placeholder until its issue lands.
func newEchoCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "echo",
		Short:  "not built yet",
		Hidden: true,
		RunE:   func(*cobra.Command, []string) error { return errors.New("echo: not built yet") },
	}
}
