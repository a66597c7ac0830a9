package app

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/superkube/super-kubenetes/internal/dev/member"
)

func TestValidateMemberFlags(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Options)
		want   string
	}{
		{"the host alone is valid", func(*Options) {}, ""},
		{"a host and two members joined by an agent are valid", func(o *Options) {
			o.Clusters, o.JoinMode = 3, member.ModeAgent
			o.JoinAgent = func(context.Context, member.Host, *member.Member) error { return nil }
		}, ""},
		{"agent mode without ke-agent among the platform's binaries is refused", func(o *Options) {
			o.Clusters, o.JoinMode, o.Platform.BinDir = 2, member.ModeAgent, "no-such-folder"
		}, "--member-join agent needs ke-agent"},
		{"no cluster at all is refused", func(o *Options) { o.Clusters = 0 }, "--clusters"},
		{"too many clusters are refused", func(o *Options) { o.Clusters = maxClusters + 1 }, "--clusters"},
		{"a negative member node count is refused", func(o *Options) { o.MemberNodes = -1 }, "--member-nodes"},
		{"an unknown join mode is refused", func(o *Options) { o.JoinMode = "tunnel" }, "--member-join"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := NewOptions(io.Discard)
			o.Cluster.BinDir, o.Cluster.KwokDir = "bin", "kwok"
			tt.change(o)
			var msgs []string
			for _, err := range o.Validate() {
				msgs = append(msgs, err.Error())
			}
			got := strings.Join(msgs, "\n")
			if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
				t.Fatalf("errors %q, want one about %q", got, tt.want)
			}
		})
	}
}
