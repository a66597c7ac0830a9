package gitea

import (
	"cmp"
	"context"
	"slices"
	"strings"

	sdk "code.gitea.io/sdk/gitea"
)

// Webhook is a repository's webhook of type gitea, which posts JSON signed
// with Secret (see VerifySignature).
type Webhook struct {
	URL, Secret string
	// Events are Gitea's event names; EnsureWebhook uses DefaultEvents when
	// empty.
	Events []string
	// BranchFilter is a glob of the branches whose pushes are sent ("*" or
	// empty: all).
	BranchFilter string
}

// DefaultEvents are the events a pipeline's webhook asks for.
var DefaultEvents = []string{"push", "pull_request"}

// EnsureWebhook makes the repository's webhook to h.URL, or brings the one
// that exists up to date (its secret, events and branch filter, active), so
// that calling it again makes no second hook. It returns the hook's id.
func (c *Client) EnsureWebhook(ctx context.Context, owner, repo string, h Webhook) (int64, error) {
	api, err := c.api(ctx)
	if err != nil {
		return 0, err
	}
	events := h.Events
	if len(events) == 0 {
		events = DefaultEvents
	}
	config := map[string]string{"url": h.URL, "content_type": "json", "secret": h.Secret, "http_method": "post"}
	for page := 1; ; page++ {
		hooks, resp, err := api.ListRepoHooks(owner, repo, sdk.ListHooksOptions{ListOptions: sdk.ListOptions{Page: page, PageSize: 50}})
		if err := check("webhooks of "+owner+"/"+repo, resp, err); err != nil {
			return 0, err
		}
		for _, hook := range hooks {
			if hook.Type != string(sdk.HookTypeGitea) || hook.Config["url"] != h.URL {
				continue
			}
			active := true
			resp, err := api.EditRepoHook(owner, repo, hook.ID, sdk.EditHookOption{Config: config, Events: events, BranchFilter: h.BranchFilter, Active: &active})
			return hook.ID, check("updating webhook of "+owner+"/"+repo, resp, err)
		}
		if len(hooks) < 50 {
			break
		}
	}
	hook, resp, err := api.CreateRepoHook(owner, repo, sdk.CreateHookOption{
		Type: sdk.HookTypeGitea, Config: config, Events: events, BranchFilter: h.BranchFilter, Active: true,
	})
	if err := check("creating webhook of "+owner+"/"+repo, resp, err); err != nil {
		return 0, err
	}
	return hook.ID, nil
}

// State is a commit status's state.
type State string

// The states of a commit status.
const (
	StatePending State = "pending"
	StateSuccess State = "success"
	StateError   State = "error"
	StateFailure State = "failure"
	StateWarning State = "warning"
)

// Status is a commit status: one Context (for example "superkube/ci")
// per commit, the latest one counting.
type Status struct {
	State                           State
	Context, TargetURL, Description string
}

// SetStatus sets a status of the commit sha.
func (c *Client) SetStatus(ctx context.Context, owner, repo, sha string, s Status) error {
	api, err := c.api(ctx)
	if err != nil {
		return err
	}
	_, resp, err := api.CreateStatus(owner, repo, sha, sdk.CreateStatusOption{
		State: sdk.StatusState(s.State), Context: s.Context, TargetURL: s.TargetURL, Description: s.Description,
	})
	return check("setting the status of "+sha, resp, err)
}

// Statuses lists the statuses of a commit (or branch, or tag), the newest
// first.
func (c *Client) Statuses(ctx context.Context, owner, repo, ref string) ([]Status, error) {
	api, err := c.api(ctx)
	if err != nil {
		return nil, err
	}
	var all []*sdk.Status
	for page := 1; ; page++ {
		list, resp, err := api.ListStatuses(owner, repo, ref, sdk.ListStatusesOption{ListOptions: sdk.ListOptions{Page: page, PageSize: 50}})
		if err := check("statuses of "+ref, resp, err); err != nil {
			return nil, err
		}
		all = append(all, list...)
		if len(list) < 50 {
			break
		}
	}
	slices.SortFunc(all, func(a, b *sdk.Status) int { return cmp.Compare(b.ID, a.ID) })
	out := make([]Status, 0, len(all))
	for _, s := range all {
		out = append(out, Status{State: State(s.State), Context: s.Context, TargetURL: s.TargetURL, Description: s.Description})
	}
	return out, nil
}

// Branch is a branch and the commit at its head.
type Branch struct {
	Name, Commit string
}

// Branches lists the repository's branches, by name.
func (c *Client) Branches(ctx context.Context, owner, repo string) ([]Branch, error) {
	api, err := c.api(ctx)
	if err != nil {
		return nil, err
	}
	var out []Branch
	for page := 1; ; page++ {
		list, resp, err := api.ListRepoBranches(owner, repo, sdk.ListRepoBranchesOptions{ListOptions: sdk.ListOptions{Page: page, PageSize: 50}})
		if err := check("branches of "+owner+"/"+repo, resp, err); err != nil {
			return nil, err
		}
		for _, b := range list {
			out = append(out, toBranch(b))
		}
		if len(list) < 50 {
			break
		}
	}
	slices.SortFunc(out, func(a, b Branch) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func toBranch(b *sdk.Branch) Branch {
	out := Branch{Name: b.Name}
	if b.Commit != nil {
		out.Commit = b.Commit.ID
	}
	return out
}

// GetBranch returns a branch with its head commit; a missing branch is
// ErrNotFound.
func (c *Client) GetBranch(ctx context.Context, owner, repo, name string) (Branch, error) {
	api, err := c.api(ctx)
	if err != nil {
		return Branch{}, err
	}
	b, resp, err := api.GetRepoBranch(owner, repo, name)
	if err := check("branch "+name+" of "+owner+"/"+repo, resp, err); err != nil {
		return Branch{}, err
	}
	return toBranch(b), nil
}

// CreateBranch makes branch name from the head of from (the default
// branch when empty).
func (c *Client) CreateBranch(ctx context.Context, owner, repo, name, from string) (Branch, error) {
	api, err := c.api(ctx)
	if err != nil {
		return Branch{}, err
	}
	b, resp, err := api.CreateBranch(owner, repo, sdk.CreateBranchOption{BranchName: name, OldBranchName: from})
	if err := check("creating branch "+name, resp, err); err != nil {
		return Branch{}, err
	}
	return toBranch(b), nil
}

// PullRequest is an open pull request: Head is the branch to merge (with
// its commit HeadSHA) into Base.
type PullRequest struct {
	Number              int64
	Title               string
	Head, HeadSHA, Base string
	HTMLURL             string
}

// OpenPullRequests lists the repository's open pull requests, the newest
// first.
func (c *Client) OpenPullRequests(ctx context.Context, owner, repo string) ([]PullRequest, error) {
	api, err := c.api(ctx)
	if err != nil {
		return nil, err
	}
	var out []PullRequest
	for page := 1; ; page++ {
		list, resp, err := api.ListRepoPullRequests(owner, repo, sdk.ListPullRequestsOptions{
			ListOptions: sdk.ListOptions{Page: page, PageSize: 50}, State: sdk.StateOpen,
		})
		if err := check("pull requests of "+owner+"/"+repo, resp, err); err != nil {
			return nil, err
		}
		for _, p := range list {
			out = append(out, toPullRequest(p))
		}
		if len(list) < 50 {
			return out, nil
		}
	}
}

func toPullRequest(p *sdk.PullRequest) PullRequest {
	out := PullRequest{Number: p.Index, Title: p.Title, HTMLURL: p.HTMLURL}
	if p.Head != nil {
		out.Head, out.HeadSHA = p.Head.Ref, p.Head.Sha
	}
	if p.Base != nil {
		out.Base = p.Base.Ref
	}
	return out
}

// CreatePullRequest opens a pull request of head into base.
func (c *Client) CreatePullRequest(ctx context.Context, owner, repo, head, base, title string) (PullRequest, error) {
	api, err := c.api(ctx)
	if err != nil {
		return PullRequest{}, err
	}
	p, resp, err := api.CreatePullRequest(owner, repo, sdk.CreatePullRequestOption{Head: head, Base: base, Title: title})
	if err := check("opening a pull request of "+head, resp, err); err != nil {
		return PullRequest{}, err
	}
	return toPullRequest(p), nil
}
