package gitea

import "testing"

func TestSplitCloneURL(t *testing.T) {
	for _, c := range []struct{ in, base, owner, repo string }{
		{"http://127.0.0.1:3000/superkube/hello.git", "http://127.0.0.1:3000/", "superkube", "hello"},
		{"https://git.example.com/acme/app", "https://git.example.com/", "acme", "app"},
		{"https://user:pw@git.example.com/gitea/acme/app.git/", "https://git.example.com/gitea/", "acme", "app"},
		{"https://git.example.com/a/b/acme/app.git?x=1#f", "https://git.example.com/a/b/", "acme", "app"},
	} {
		base, owner, repo, err := SplitCloneURL(c.in)
		if err != nil || base != c.base || owner != c.owner || repo != c.repo {
			t.Errorf("%s: %q %q %q %v", c.in, base, owner, repo, err)
		}
	}
	for _, bad := range []string{"ssh://git@host/acme/app.git", "https://host/app.git", "https://host/", "http:///a/b", "https://host/acme/.git"} {
		if _, _, _, err := SplitCloneURL(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
