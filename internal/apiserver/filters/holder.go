package filters

import (
	"context"
	"net/http"

	"k8s.io/apiserver/pkg/authentication/user"

	"github.com/superkube/super-kubenetes/internal/apiserver/request"
)

// auditHolder carries what inner filters learn back to the audit filter.
type auditHolder struct {
	user user.Info
	info *request.Info
}

type holderKey struct{}

func withHolder(ctx context.Context, h *auditHolder) context.Context {
	return context.WithValue(ctx, holderKey{}, h)
}

// WithAuditCapture passes the caller and request info to the audit filter;
// it goes after authentication and request info in the chain.
func WithAuditCapture(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hd, ok := r.Context().Value(holderKey{}).(*auditHolder); ok {
			hd.user, _ = request.UserFrom(r.Context())
			hd.info, _ = request.InfoFrom(r.Context())
		}
		h.ServeHTTP(w, r)
	})
}
