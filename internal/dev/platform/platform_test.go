package platform

import "testing"

func TestReplicaNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		i, n int
		want string
	}{
		{"a component that runs alone keeps its name (its log and pid file too)", 0, 1, "ke-apiserver"},
		{"the first of two replicas is numbered from 1", 0, 2, "ke-apiserver-1"},
		{"the second of two replicas", 1, 2, "ke-apiserver-2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ReplicaName("ke-apiserver", tc.i, tc.n); got != tc.want {
				t.Fatalf("ReplicaName(ke-apiserver, %d, %d) = %q, want %q", tc.i, tc.n, got, tc.want)
			}
		})
	}
	if (&Config{}).replicas() != 1 || (&Config{HA: true}).replicas() != 2 {
		t.Fatal("replicas: want 1 without HA and 2 with it")
	}
}
