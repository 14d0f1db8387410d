package lab_test

import (
	"context"
	"fmt"
	"os"

	"github.com/spool-go/spool/lab"
)

// Run two experiments at the quick size and print each claim with its
// verdict. (No Output: the figures are this machine's.)
func ExampleRun() {
	rep, err := lab.Run(context.Background(), lab.Scale(lab.Quick), lab.Only("switch", "join"), lab.Progress(lab.Lines(os.Stderr)))
	if err != nil {
		fmt.Println("lab:", err)
		return
	}
	for _, c := range rep.Claims {
		fmt.Printf("%-8s %q: %s\n", c.Experiment, c.Quote, c.Verdict)
	}
}

// Write the whole report as the terminal shows it.
func ExampleWriteText() {
	rep, err := lab.Run(context.Background(), lab.Scale(lab.Quick), lab.Only("join"))
	if err != nil {
		fmt.Println("lab:", err)
		return
	}
	_ = lab.WriteText(os.Stdout, rep)
}
