// Package application holds the app store's rules shared by its API
// (internal/handlers/application) and the admission webhook
// (internal/admission): the review workflow's transitions and who may make
// them, reading an uploaded chart archive, checking values against a
// chart's values.schema.json, and searching the store.
package application

import (
	"fmt"
	"slices"
	"time"

	"k8s.io/apiserver/pkg/authentication/user"

	applicationv2 "github.com/superkube/super-kubenetes/api/application/v2"
	"github.com/superkube/super-kubenetes/internal/authz"
)

// Group is the app store's API group.
const Group = applicationv2.GroupName

// ReviewVerb is the verb on applicationversions that makes an app reviewer
// (role template global-review-apps).
const ReviewVerb = "review"

// EventSkew is how far a review event's time may be from now.
const EventSkew = 5 * time.Minute

// Role is who may make a transition.
type Role string

// Roles of the workflow. A platform administrator holds both.
const (
	// Developer may update applications in the app's workspace (or, for a
	// platform-level app, at platform level: manage-app-store).
	Developer Role = "developer"
	// Reviewer may review applicationversions (global-review-apps).
	Reviewer Role = "reviewer"
)

// Transition is one step of the review workflow.
type Transition struct {
	Action string
	From   applicationv2.ReviewState
	To     applicationv2.ReviewState
	By     []Role
	// NeedsMessage: a rejection says why.
	NeedsMessage bool
}

// Transitions are the workflow's steps, by action.
var Transitions = []Transition{
	{Action: "submit", From: applicationv2.StateDraft, To: applicationv2.StateSubmitted, By: []Role{Developer}},
	{Action: "withdraw", From: applicationv2.StateSubmitted, To: applicationv2.StateDraft, By: []Role{Developer}},
	{Action: "pass", From: applicationv2.StateSubmitted, To: applicationv2.StatePassed, By: []Role{Reviewer}},
	{Action: "reject", From: applicationv2.StateSubmitted, To: applicationv2.StateRejected, By: []Role{Reviewer}, NeedsMessage: true},
	{Action: "release", From: applicationv2.StatePassed, To: applicationv2.StateActive, By: []Role{Developer, Reviewer}},
	{Action: "suspend", From: applicationv2.StateActive, To: applicationv2.StateSuspended, By: []Role{Reviewer}},
	{Action: "recover", From: applicationv2.StateSuspended, To: applicationv2.StateActive, By: []Role{Reviewer}},
	{Action: "draft", From: applicationv2.StateRejected, To: applicationv2.StateDraft, By: []Role{Developer}},
}

// Actions lists the actions' names.
func Actions() []string {
	out := make([]string, 0, len(Transitions))
	for _, t := range Transitions {
		out = append(out, t.Action)
	}
	return out
}

// ByAction finds the transition of an action.
func ByAction(action string) (Transition, bool) {
	for _, t := range Transitions {
		if t.Action == action {
			return t, true
		}
	}
	return Transition{}, false
}

// Between finds the transition from one state to another.
func Between(from, to applicationv2.ReviewState) (Transition, bool) {
	for _, t := range Transitions {
		if t.From == from && t.To == to {
			return t, true
		}
	}
	return Transition{}, false
}

// Authorizer decides requests (the platform's four-level authorizer).
type Authorizer interface {
	Authorize(a *authz.Attributes) authz.Decision
}

// Subject is a caller: a user and its groups.
type Subject struct {
	User   string
	Groups []string
}

// SubjectOf converts a request's user.
func SubjectOf(u user.Info) Subject { return Subject{User: u.GetName(), Groups: u.GetGroups()} }

// Allowed asks the authorizer about a verb on a resource of the group, at
// the workspace's level (platform level when workspace is "").
func Allowed(z Authorizer, s Subject, verb, resource, workspace string) bool {
	return z.Authorize(&authz.Attributes{User: s.User, Groups: s.Groups, ResourceRequest: true, Verb: verb,
		APIGroup: Group, Resource: resource, Workspace: workspace}).Allowed
}

// Holds reports whether the subject holds a role for an app of the
// workspace ("" for a platform-level app).
func Holds(z Authorizer, s Subject, r Role, workspace string) bool {
	switch r {
	case Developer:
		return Allowed(z, s, "update", "applications", workspace)
	case Reviewer:
		return Allowed(z, s, ReviewVerb, "applicationversions", "")
	}
	return false
}

// MayMake reports whether the subject may make the transition on a version
// of the workspace.
func MayMake(z Authorizer, s Subject, t Transition, workspace string) bool {
	for _, r := range t.By {
		if Holds(z, s, r, workspace) {
			return true
		}
	}
	return false
}

// Refusal says who may make a transition, for a 403's message.
func Refusal(s Subject, t Transition, workspace string) string {
	who := make([]string, 0, len(t.By))
	for _, r := range t.By {
		switch r {
		case Developer:
			if workspace != "" {
				who = append(who, "a developer of workspace "+workspace+" (update applications there)")
			} else {
				who = append(who, "a manager of the app store (update applications at platform level)")
			}
		case Reviewer:
			who = append(who, "an app reviewer (review applicationversions) or a platform administrator")
		}
	}
	return fmt.Sprintf("user %s may not %s a version (%s → %s): only %s may", s.User, t.Action, t.From, t.To, joinOr(who))
}

func joinOr(s []string) string {
	switch len(s) {
	case 0:
		return "nobody"
	case 1:
		return s[0]
	}
	out := ""
	for i, x := range s {
		switch {
		case i == 0:
			out = x
		case i == len(s)-1:
			out += " or " + x
		default:
			out += ", " + x
		}
	}
	return out
}

// CheckReviews checks the review history of a version's change: entries
// are only ever added; a change of state adds exactly one entry naming the
// transition, the writer, a time within EventSkew of now and, for a
// rejection, a message; without a change of state nothing is added. It
// returns the transition made (ok false when the state is unchanged) or a
// reason for refusing.
func CheckReviews(old, obj *applicationv2.ApplicationVersionSpec, writer string, now time.Time) (t Transition, changed bool, reason string) {
	n := len(old.Reviews)
	if len(obj.Reviews) < n || !slices.EqualFunc(old.Reviews, obj.Reviews[:n], eventEqual) {
		return Transition{}, false, "spec.reviews is append-only: earlier review events may not be changed or removed"
	}
	if obj.State == old.State {
		if len(obj.Reviews) != n {
			return Transition{}, false, "spec.reviews: a review event is added only with a change of spec.state"
		}
		return Transition{}, false, ""
	}
	t, ok := Between(old.State, obj.State)
	if !ok {
		return Transition{}, false, fmt.Sprintf("spec.state: a version cannot go from %s to %s", old.State, obj.State)
	}
	if len(obj.Reviews) != n+1 {
		return Transition{}, false, fmt.Sprintf("spec.reviews: the change of state %s → %s must add exactly one review event", old.State, obj.State)
	}
	e := obj.Reviews[n]
	switch {
	case e.From != old.State || e.To != obj.State:
		return Transition{}, false, fmt.Sprintf("spec.reviews[%d]: the event must record from %s to %s", n, old.State, obj.State)
	case e.User != writer:
		return Transition{}, false, fmt.Sprintf("spec.reviews[%d].user must be %s, the user making the change", n, writer)
	case e.Time.Sub(now) > EventSkew || now.Sub(e.Time.Time) > EventSkew:
		return Transition{}, false, fmt.Sprintf("spec.reviews[%d].time must be within %s of now", n, EventSkew)
	case t.NeedsMessage && e.Message == "":
		return Transition{}, false, fmt.Sprintf("spec.reviews[%d].message: a rejection needs a message saying why", n)
	}
	return t, true, ""
}

func eventEqual(a, b applicationv2.ReviewEvent) bool {
	return a.From == b.From && a.To == b.To && a.User == b.User && a.Message == b.Message && a.Time.Unix() == b.Time.Unix()
}

// SpecWithoutReview is a version's spec without its review state, to see
// whether anything else changed.
func SpecWithoutReview(s applicationv2.ApplicationVersionSpec) applicationv2.ApplicationVersionSpec {
	s.State, s.Reviews = "", nil
	return s
}
