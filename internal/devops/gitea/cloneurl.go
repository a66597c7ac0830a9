package gitea

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// SplitCloneURL derives the Gitea server's base URL (what the API's /api/v1
// is under), the owner and the repository from a clone URL: scheme, host
// and port, and the path before owner/repo (Gitea served under a prefix).
// User info, query and fragment are dropped; a trailing .git too.
func SplitCloneURL(cloneURL string) (base, owner, repo string, err error) {
	u, err := url.Parse(cloneURL)
	if err != nil {
		return "", "", "", fmt.Errorf("source URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", "", "", fmt.Errorf("source URL %q: a Gitea API needs an http or https URL", redact(u))
	}
	if u.Host == "" {
		return "", "", "", errors.New("source URL has no host")
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) < 2 || parts[len(parts)-1] == "" || parts[len(parts)-2] == "" {
		return "", "", "", fmt.Errorf("source URL %q does not end in <owner>/<repository>", redact(u))
	}
	repo = strings.TrimSuffix(parts[len(parts)-1], ".git")
	owner = parts[len(parts)-2]
	if repo == "" {
		return "", "", "", fmt.Errorf("source URL %q does not end in <owner>/<repository>", redact(u))
	}
	b := url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/"}
	if prefix := parts[:len(parts)-2]; len(prefix) > 0 {
		b.Path = "/" + strings.Join(prefix, "/") + "/"
	}
	return b.String(), owner, repo, nil
}

func redact(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}
