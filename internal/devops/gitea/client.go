// Package gitea is the platform's client of a Gitea server: what the DevOps
// module needs to host a pipeline's repository there (a repository and its
// files, a webhook that announces pushes and pull requests, commit statuses
// that report a run, the branches and open pull requests a multi-branch
// pipeline follows), and the checks of the webhook deliveries it receives.
//
// The REST calls go through Gitea's Go SDK; the webhook helpers
// (webhook.go) need no server.
package gitea

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	sdk "code.gitea.io/sdk/gitea"
)

// ErrNotFound is what a call returns (wrapped) when Gitea answers 404.
var ErrNotFound = errors.New("not found in gitea")

// Client calls one Gitea server as one user.
type Client struct {
	url  string
	opts []sdk.ClientOption
}

// Auth is how the client logs in: a token, or else a user and password.
type Auth struct {
	Token              string
	Username, Password string
}

// New returns a client of the server at baseURL (without /api/v1). A nil
// httpClient uses http.DefaultClient's settings.
func New(baseURL string, auth Auth, httpClient *http.Client) *Client {
	if httpClient == nil {
		httpClient = &http.Client{}
	}
	// The platform talks to the Gitea versions it ships with: no version
	// probe on each call.
	opts := []sdk.ClientOption{sdk.SetHTTPClient(httpClient), sdk.SetGiteaVersion(""), sdk.SetUserAgent("super-kubenetes")}
	switch {
	case auth.Token != "":
		opts = append(opts, sdk.SetToken(auth.Token))
	case auth.Username != "":
		opts = append(opts, sdk.SetBasicAuth(auth.Username, auth.Password))
	}
	return &Client{url: strings.TrimSuffix(baseURL, "/"), opts: opts}
}

// api returns an SDK client bound to ctx. The SDK keeps its context on the
// client, so each call has a client of its own; making one costs no request.
func (c *Client) api(ctx context.Context) (*sdk.Client, error) {
	return sdk.NewClient(c.url, append(slices.Clone(c.opts), sdk.SetContext(ctx))...)
}

// check turns an SDK error into one that says what was asked, and a 404
// into ErrNotFound.
func check(what string, resp *sdk.Response, err error) error {
	if err == nil {
		return nil
	}
	if resp != nil && resp.StatusCode == http.StatusNotFound {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Repo is a repository.
type Repo struct {
	Owner, Name   string
	CloneURL      string
	HTMLURL       string
	DefaultBranch string
	Private       bool
}

func toRepo(r *sdk.Repository) Repo {
	out := Repo{Name: r.Name, CloneURL: r.CloneURL, HTMLURL: r.HTMLURL, DefaultBranch: r.DefaultBranch, Private: r.Private}
	if r.Owner != nil {
		out.Owner = r.Owner.UserName
	}
	return out
}

// RepoSpec says which repository EnsureRepo makes.
type RepoSpec struct {
	// Owner is the authenticated user (empty means them too) or an
	// organization, which EnsureOrg makes.
	Owner, Name, Description string
	Private                  bool
	// DefaultBranch is main when empty.
	DefaultBranch string
}

// EnsureOrg makes the organization name unless it exists.
func (c *Client) EnsureOrg(ctx context.Context, name string) error {
	api, err := c.api(ctx)
	if err != nil {
		return err
	}
	_, resp, err := api.GetOrg(name)
	if err = check("organization "+name, resp, err); !errors.Is(err, ErrNotFound) {
		return err
	}
	_, resp, err = api.CreateOrg(sdk.CreateOrgOption{Name: name, Visibility: sdk.VisibleTypePublic})
	return check("creating organization "+name, resp, err)
}

// EnsureRepo returns the repository, which it makes (empty, with its
// default branch) unless it exists; created says whether it did.
func (c *Client) EnsureRepo(ctx context.Context, spec RepoSpec) (repo Repo, created bool, err error) {
	api, err := c.api(ctx)
	if err != nil {
		return Repo{}, false, err
	}
	me, resp, err := api.GetMyUserInfo()
	if err := check("the authenticated user", resp, err); err != nil {
		return Repo{}, false, err
	}
	owner := spec.Owner
	if owner == "" {
		owner = me.UserName
	}
	r, resp, err := api.GetRepo(owner, spec.Name)
	if err = check("repository "+owner+"/"+spec.Name, resp, err); err == nil {
		return toRepo(r), false, nil
	} else if !errors.Is(err, ErrNotFound) {
		return Repo{}, false, err
	}
	branch := spec.DefaultBranch
	if branch == "" {
		branch = "main"
	}
	opt := sdk.CreateRepoOption{Name: spec.Name, Description: spec.Description, Private: spec.Private, DefaultBranch: branch}
	if owner == me.UserName {
		r, resp, err = api.CreateRepo(opt)
	} else {
		r, resp, err = api.CreateOrgRepo(owner, opt)
	}
	if err := check("creating repository "+owner+"/"+spec.Name, resp, err); err != nil {
		return Repo{}, false, err
	}
	return toRepo(r), true, nil
}

// File is a file to write in one commit.
type File struct {
	Path    string
	Content []byte
	// Branch is the branch to commit to (the default branch when empty);
	// NewBranch, when set, is made from Branch and committed to instead.
	Branch, NewBranch string
	// Message is the commit message (Gitea makes one when empty).
	Message string
}

// PutFile creates or updates a file through the contents API. It returns
// the commit it made, or "" when the file already holds Content (no commit).
func (c *Client) PutFile(ctx context.Context, owner, repo string, f File) (commit string, err error) {
	api, err := c.api(ctx)
	if err != nil {
		return "", err
	}
	ref := f.Branch
	cur, resp, err := api.GetContents(owner, repo, ref, f.Path)
	err = check("file "+f.Path, resp, err)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return "", err
	}
	opts := sdk.FileOptions{Message: f.Message, BranchName: f.Branch, NewBranchName: f.NewBranch}
	content := base64.StdEncoding.EncodeToString(f.Content)
	var out *sdk.FileResponse
	if err != nil { // not found
		out, resp, err = api.CreateFile(owner, repo, f.Path, sdk.CreateFileOptions{FileOptions: opts, Content: content})
		if err := check("creating "+f.Path, resp, err); err != nil {
			return "", err
		}
	} else {
		if cur.Content != nil && f.NewBranch == "" {
			if old, err := base64.StdEncoding.DecodeString(*cur.Content); err == nil && bytes.Equal(old, f.Content) {
				return "", nil
			}
		}
		out, resp, err = api.UpdateFile(owner, repo, f.Path, sdk.UpdateFileOptions{FileOptions: opts, SHA: cur.SHA, Content: content})
		if err := check("updating "+f.Path, resp, err); err != nil {
			return "", err
		}
	}
	if out == nil || out.Commit == nil {
		return "", nil
	}
	return out.Commit.SHA, nil
}

// GetFile reads a file at ref (the default branch when empty); a missing
// file is ErrNotFound.
func (c *Client) GetFile(ctx context.Context, owner, repo, ref, path string) ([]byte, error) {
	api, err := c.api(ctx)
	if err != nil {
		return nil, err
	}
	b, resp, err := api.GetFile(owner, repo, ref, path)
	return b, check("file "+path, resp, err)
}
