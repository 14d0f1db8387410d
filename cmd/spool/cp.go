package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newCpCmd is a placeholder until its issue lands.
func newCpCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "cp",
		Short:  "not built yet",
		Hidden: true,
		RunE:   func(*cobra.Command, []string) error { return errors.New("cp: not built yet") },
	}
}
