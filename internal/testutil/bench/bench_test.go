package bench

import (
	"errors"
	"os"
	"sync/atomic"
	"testing"
)

func TestParallelCallsEveryIndexOnceAndReturnsAnError(t *testing.T) {
	var seen [100]atomic.Int32
	if err := Parallel(4, len(seen), func(i int) error { seen[i].Add(1); return nil }); err != nil {
		t.Fatal(err)
	}
	for i := range seen {
		if seen[i].Load() != 1 {
			t.Fatalf("index %d called %d times", i, seen[i].Load())
		}
	}
	boom := errors.New("boom")
	if err := Parallel(3, 10, func(i int) error {
		if i == 7 {
			return boom
		}
		return nil
	}); !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
}

func TestMemoryReadsThisProcess(t *testing.T) {
	rss, hwm, err := Memory(os.Getpid())
	if err != nil || rss <= 0 || hwm < rss {
		t.Fatalf("rss %d, hwm %d, err %v", rss, hwm, err)
	}
	if _, _, err := Memory(-1); err == nil {
		t.Error("no error for a missing process")
	}
}
