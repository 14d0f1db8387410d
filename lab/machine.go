package lab

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Machine holds the facts about the machine and the build that the figures
// depend on.
type Machine struct {
	CPU        string `json:"cpu"`        // model name from /proc/cpuinfo, or the architecture
	Cores      int    `json:"cores"`      // runtime.NumCPU
	GOMAXPROCS int    `json:"gomaxprocs"` // Go's parallelism
	GoVersion  string `json:"go_version"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
	Kernel     string `json:"kernel,omitempty"`
	Cgo        bool   `json:"cgo"`  // threads are pthreads (true) or Go-made (false)
	Race       bool   `json:"race"` // built with -race: every figure is slower
	// StackLimit is the soft RLIMIT_STACK (ulimit -s) in bytes: with cgo,
	// each new thread reserves this much virtual memory for its stack. 0
	// if unknown (the lab reads it on Linux only).
	StackLimit int64 `json:"stack_limit"`
	// Load is the one-minute load average when the run began (0 if
	// unknown): above the number of cores, other programs compete for the
	// CPU and every figure is noisier.
	Load float64 `json:"load"`
}

// Busy reports whether other work competed for the CPU when the run began.
func (m Machine) Busy() bool { return m.Load > float64(m.Cores) }

// ReadMachine collects the facts of the machine it runs on.
func ReadMachine() Machine {
	m := Machine{
		CPU:        cpuModel(),
		Cores:      runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		GoVersion:  runtime.Version(),
		OS:         runtime.GOOS,
		Arch:       runtime.GOARCH,
		Cgo:        cgoLinked,
		Race:       raceEnabled,
		StackLimit: stackLimit(),
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			m.Load, _ = strconv.ParseFloat(f[0], 64)
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// procStatus is what the kernel says about this process.
type procStatus struct {
	RSS     int64 // resident set size, bytes (VmRSS)
	VM      int64 // virtual size, bytes (VmSize)
	Threads int   // OS threads (Threads)
}

// Where the lab reads what the kernel says of the process and of the
// machine's memory; tests point them elsewhere to see a system without
// /proc (macOS, Windows, FreeBSD).
var (
	statusPath  = "/proc/self/status"
	meminfoPath = "/proc/meminfo"
)

// readStatus parses /proc/self/status.
func readStatus() (procStatus, error) {
	b, err := os.ReadFile(statusPath)
	if err != nil {
		return procStatus{}, err
	}
	var st procStatus
	for line := range strings.Lines(string(b)) {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch k {
		case "VmRSS":
			st.RSS = kb(v)
		case "VmSize":
			st.VM = kb(v)
		case "Threads":
			st.Threads, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	return st, nil
}

// kernelStacks returns the memory the kernel holds for all threads' kernel
// stacks on the machine (KernelStack in /proc/meminfo), or -1.
func kernelStacks() int64 {
	b, err := os.ReadFile(meminfoPath)
	if err != nil {
		return -1
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "KernelStack:"); ok {
			return kb(v)
		}
	}
	return -1
}

// kb parses "  1234 kB" into bytes.
func kb(v string) int64 {
	f := strings.Fields(v)
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.ParseInt(f[0], 10, 64)
	return n << 10
}
