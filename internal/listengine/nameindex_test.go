package listengine

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestNameIndexCountsWhatTheFilterMatches(t *testing.T) {
	s := newStore(&Kind{Resource: "things"})
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		r := &Row{Key: fmt.Sprintf("ns-%d/thing-%d", i%37, i), Namespace: fmt.Sprintf("ns-%d", i%37), Name: fmt.Sprintf("thing-%d", i)}
		r.NameLower = strings.ToLower(r.Name)
		if rnd.IntN(5) == 0 {
			r.DisplayName = fmt.Sprintf("web thing %d", rnd.IntN(100))
		}
		s.rows[r.Key] = r
	}
	s.version = 7
	ix := s.names()
	if again := s.names(); again != ix {
		t.Fatal("the index was rebuilt although the store did not change")
	}
	keep := func(r *Row) bool { return r.Namespace != "ns-3" }
	for _, sub := range []string{"thing-1", "12", "web", "g-19", "thing", "9 ", "zzz", "-"} {
		want := 0
		for _, r := range s.rows {
			if keep(r) && (strings.Contains(r.NameLower, sub) || (r.DisplayName != "" && strings.Contains(r.DisplayName, sub))) {
				want++
			}
		}
		got, ok := ix.count(sub, keep)
		if !ok || got != want {
			t.Errorf("count(%q) = %d, %v; want %d", sub, got, ok, want)
		}
	}
	if _, ok := ix.count("a\x00b", nil); ok {
		t.Error("a needle with a separator must not be searched in the index")
	}
	s.version++
	if s.names() == ix {
		t.Error("the index was not rebuilt after a change")
	}
}
