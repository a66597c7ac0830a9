package request

import (
	"context"

	"k8s.io/apiserver/pkg/authentication/user"
)

type contextKey int

const (
	infoKey contextKey = iota
	userKey
	requestIDKey
	auditKey
	clientIPKey
)

// WithInfo returns a context carrying the request info.
func WithInfo(ctx context.Context, info *Info) context.Context {
	return context.WithValue(ctx, infoKey, info)
}

// InfoFrom returns the request info, if any.
func InfoFrom(ctx context.Context) (*Info, bool) {
	i, ok := ctx.Value(infoKey).(*Info)
	return i, ok
}

// WithUser returns a context carrying the authenticated caller.
func WithUser(ctx context.Context, u user.Info) context.Context {
	return context.WithValue(ctx, userKey, u)
}

// UserFrom returns the authenticated caller, if any.
func UserFrom(ctx context.Context) (user.Info, bool) {
	u, ok := ctx.Value(userKey).(user.Info)
	return u, ok
}

// WithRequestID returns a context carrying the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// IDFrom returns the request id, or "".
func IDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// WithClientIP returns a context carrying the client's address, as the
// client-address filter determined it.
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey, ip)
}

// ClientIPFrom returns the client's address, or "" when no filter set it.
func ClientIPFrom(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey).(string)
	return ip
}

// AuditNote lets handlers add to the audit event of their request.
type AuditNote struct {
	// Decision is "allow" or "deny" as the authorizer decided, with its reason.
	Decision string
	Reason   string
	// Event, when set by a handler, overrides the event type (for example "login").
	Event string
	// Subject is who an authentication handler acted for (the user logging in).
	Subject string
}

// WithAuditNote returns a context carrying a note that filters and
// handlers fill in for the audit event.
func WithAuditNote(ctx context.Context, n *AuditNote) context.Context {
	return context.WithValue(ctx, auditKey, n)
}

// AuditNoteFrom returns the request's audit note; it is never nil.
func AuditNoteFrom(ctx context.Context) *AuditNote {
	if n, ok := ctx.Value(auditKey).(*AuditNote); ok {
		return n
	}
	return &AuditNote{}
}
