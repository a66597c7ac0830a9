// Package bench holds what the scale benchmarks (test/bench) share: seeding
// objects with several workers and reading a process's memory.
package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Parallel calls fn(0) … fn(n-1) on workers goroutines and returns the
// first error (after every call has run).
func Parallel(workers, n int, fn func(int) error) error {
	work := make(chan int)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
				}
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	return first
}

// Memory returns the resident and the peak resident memory of a process,
// in bytes, from /proc.
func Memory(pid int) (rss, hwm int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb << 10
		case "VmHWM:":
			hwm = kb << 10
		}
	}
	return rss, hwm, nil
}
