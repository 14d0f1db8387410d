package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// newLabCmd is a placeholder until package lab lands (issue 7).
func newLabCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "lab",
		Short: "measure the chapter's performance claims on this machine",
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), "spool lab: experiments are coming: memory, spawn, switch, join, cpu, io, shared, channels, blocking, mutex")
			return nil
		},
	}
}
