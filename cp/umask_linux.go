package cp

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// umask returns the process's umask as Linux reports it in
// /proc/self/status, without changing it as syscall.Umask would. known is
// false when it cannot be read. Copy reads it once per call.
func umask() (mask uint32, known bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Umask:"); ok {
			m, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32)
			return uint32(m), err == nil
		}
	}
	return 0, false
}
