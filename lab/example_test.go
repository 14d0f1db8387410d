package lab_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spool-go/spool/lab"
)

// Run two experiments at the quick size and print each claim of the
// chapter that they test. The figures and verdicts are this machine's
// (print c.Measured and c.Verdict to see them); the claims are the
// chapter's.
func ExampleRun() {
	rep, err := lab.Run(context.Background(), lab.Scale(lab.Quick), lab.Only("switch", "join"), lab.Progress(lab.Lines(os.Stderr)))
	if err != nil {
		fmt.Println("lab:", err)
		return
	}
	for _, c := range rep.Claims {
		fmt.Printf("%s: %q\n", c.Experiment, c.Quote)
	}
	// Output:
	// switch: "Threads: Kernel-level context switch (~1-10μs)"
	// switch: "Async tasks: User-space task switch (~100ns)"
	// join: "Sequential - takes 300ms total"
	// join: "Concurrent - takes 100ms total"
}

// Write the whole report as the terminal shows it: the claims table, then
// one section per experiment. Here only its first line, which does not
// depend on the machine.
func ExampleWriteText() {
	rep, err := lab.Run(context.Background(), lab.Scale(lab.Quick), lab.Only("join"))
	if err != nil {
		fmt.Println("lab:", err)
		return
	}
	var b strings.Builder
	if err := lab.WriteText(&b, rep); err != nil {
		fmt.Println("lab:", err)
		return
	}
	first, _, _ := strings.Cut(b.String(), "\n")
	fmt.Println(first)
	// Output: spool lab (quick run): the chapter's claims, measured on this machine
}
