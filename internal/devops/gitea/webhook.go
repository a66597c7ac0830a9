package gitea

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// The headers of a webhook delivery of type gitea.
const (
	// SignatureHeader is the hex HMAC-SHA256 of the body with the hook's
	// secret.
	SignatureHeader = "X-Gitea-Signature"
	// DeliveryHeader is the delivery's id (a UUID), the same when Gitea
	// redelivers it.
	DeliveryHeader = "X-Gitea-Delivery"
	// EventHeader is the event: push, pull_request, ...
	EventHeader = "X-Gitea-Event"
)

// The events of EventHeader that a pipeline follows.
const (
	EventPush        = "push"
	EventPullRequest = "pull_request"
)

// VerifySignature says whether header (SignatureHeader's value) is the
// signature of body with secret. An empty secret or header never verifies.
func VerifySignature(body, secret []byte, header string) bool {
	if len(secret) == 0 || header == "" {
		return false
	}
	got, err := hex.DecodeString(strings.TrimSpace(header))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// Sign returns the signature Gitea sends of body with secret (for tests and
// for replaying a delivery).
func Sign(body, secret []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// Repository is the repository of a delivery.
type Repository struct {
	FullName      string `json:"full_name"`
	CloneURL      string `json:"clone_url"`
	HTMLURL       string `json:"html_url"`
	DefaultBranch string `json:"default_branch"`
}

// Push is a push event: Ref moved from Before to After (a deleted ref has
// an After of zeros).
type Push struct {
	Ref, Before, After string
	// Branch is Ref without refs/heads/; Tag without refs/tags/; one of
	// them is empty.
	Branch, Tag string
	Repository  Repository
	// Pusher is the login of who pushed.
	Pusher string
	// Deleted says the push deleted the ref.
	Deleted bool
}

type pushPayload struct {
	Ref        string     `json:"ref"`
	Before     string     `json:"before"`
	After      string     `json:"after"`
	Repository Repository `json:"repository"`
	Pusher     struct {
		Login    string `json:"login"`
		Username string `json:"username"`
	} `json:"pusher"`
}

const zeroCommit = "0000000000000000000000000000000000000000"

// ParsePush reads a push event's body.
func ParsePush(body []byte) (Push, error) {
	var p pushPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return Push{}, fmt.Errorf("a push event: %w", err)
	}
	if p.Ref == "" {
		return Push{}, errors.New("a push event without a ref")
	}
	out := Push{Ref: p.Ref, Before: p.Before, After: p.After, Repository: p.Repository, Pusher: p.Pusher.Login}
	if out.Pusher == "" {
		out.Pusher = p.Pusher.Username
	}
	if b, ok := strings.CutPrefix(p.Ref, "refs/heads/"); ok {
		out.Branch = b
	} else if t, ok := strings.CutPrefix(p.Ref, "refs/tags/"); ok {
		out.Tag = t
	}
	out.Deleted = strings.Trim(p.After, "0") == "" && len(p.After) >= len(zeroCommit)
	return out, nil
}

// PullRequestEvent is a pull_request event: Action (opened, synchronized,
// closed, reopened, edited ...) on pull request Number, whose head branch
// Head is at HeadSHA.
type PullRequestEvent struct {
	Action              string
	Number              int64
	Title               string
	Head, HeadSHA, Base string
	// HeadCloneURL is the repository of the head branch (a fork's, or the
	// base repository's).
	HeadCloneURL string
	Merged       bool
	Repository   Repository
	// Sender is the login of who acted.
	Sender string
}

type prBranch struct {
	Ref  string      `json:"ref"`
	SHA  string      `json:"sha"`
	Repo *Repository `json:"repo"`
}

type pullRequestPayload struct {
	Action      string `json:"action"`
	Number      int64  `json:"number"`
	PullRequest struct {
		Number int64    `json:"number"`
		Title  string   `json:"title"`
		Merged bool     `json:"merged"`
		Head   prBranch `json:"head"`
		Base   prBranch `json:"base"`
	} `json:"pull_request"`
	Repository Repository `json:"repository"`
	Sender     struct {
		Login string `json:"login"`
	} `json:"sender"`
}

// ParsePullRequest reads a pull_request event's body.
func ParsePullRequest(body []byte) (PullRequestEvent, error) {
	var p pullRequestPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return PullRequestEvent{}, fmt.Errorf("a pull_request event: %w", err)
	}
	pr := p.PullRequest
	out := PullRequestEvent{
		Action: p.Action, Number: p.Number, Title: pr.Title, Merged: pr.Merged,
		Head: pr.Head.Ref, HeadSHA: pr.Head.SHA, Base: pr.Base.Ref,
		Repository: p.Repository, Sender: p.Sender.Login,
	}
	if out.Number == 0 {
		out.Number = pr.Number
	}
	if out.Number == 0 || out.Head == "" {
		return PullRequestEvent{}, errors.New("a pull_request event without a number or head branch")
	}
	out.HeadCloneURL = p.Repository.CloneURL
	if pr.Head.Repo != nil && pr.Head.Repo.CloneURL != "" {
		out.HeadCloneURL = pr.Head.Repo.CloneURL
	}
	return out, nil
}
