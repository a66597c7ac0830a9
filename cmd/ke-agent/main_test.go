package main

import (
	"strings"
	"testing"
)

func TestOptionsNeedOneCredentialPlaceAndOneMemberKubeconfig(t *testing.T) {
	base := options{hostURL: "https://host", cluster: "edge"}
	for _, tc := range []struct {
		name string
		edit func(*options)
		want string // "" is valid
	}{
		{"files, as ke-dev runs it", func(o *options) { o.credFile, o.kubeconfig = "/c", "/k" }, ""},
		{"in a pod, as the chart runs it", func(o *options) {
			o.credSecret, o.saTokenSecret = "superkube-system/agent-credential", "superkube-system/agent-token"
		}, ""},
		{"no credential place", func(o *options) { o.kubeconfig = "/k" }, "give one of --credential-file and --credential-secret"},
		{"two credential places", func(o *options) { o.credFile, o.credSecret, o.kubeconfig = "/c", "a/b", "/k" }, "give one of --credential-file and --credential-secret"},
		{"no kubeconfig", func(o *options) { o.credFile = "/c" }, "give one of --kubeconfig and --service-account-token-secret"},
		{"bad Secret reference", func(o *options) { o.credSecret, o.kubeconfig = "agent-credential", "/k" }, `--credential-secret must be <namespace>/<name>, got "agent-credential"`},
		{"bad token Secret reference", func(o *options) { o.credFile, o.saTokenSecret = "/c", "a/b/c" }, "--service-account-token-secret must be <namespace>/<name>"},
		{"no host", func(o *options) { o.hostURL, o.credFile, o.kubeconfig = "", "/c", "/k" }, "missing --host-url"},
	} {
		o := base
		tc.edit(&o)
		err := o.validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.want)
		}
	}
}
