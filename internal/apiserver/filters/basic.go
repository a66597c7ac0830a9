// Package filters holds ke-apiserver's filter chain, each a WithX(handler)
// wrapper: request info, client address, authentication, authorization and
// audit, and the request log. The filters ke-console shares are elsewhere:
// request id and panic recovery in package httpfilters, the body size limit
// in package requestbody.
package filters

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
)

// WithRequestInfo parses what the request is about; a malformed path is 400.
func WithRequestInfo(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, err := request.Parse(r.Method, r.URL.EscapedPath(), r.URL.Query())
		if err != nil {
			var perr *request.Error
			if errors.As(err, &perr) {
				responsewriters.WriteStatus(w, apistatus.BadRequest(perr.Field, perr.Value+": "+perr.Message))
				return
			}
			responsewriters.WriteStatus(w, apierrors.NewBadRequest(err.Error()))
			return
		}
		h.ServeHTTP(w, r.WithContext(request.WithInfo(r.Context(), info)))
	})
}

func decodeRawURL(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	return string(b), err
}
