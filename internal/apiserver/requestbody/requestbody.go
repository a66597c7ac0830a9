// Package requestbody reads the bodies of API requests, the same way in
// every handler of ke-apiserver and ke-console: a size limit, JSON with
// its Content-Type checked, JSON merge patches, and the Status to answer
// when a body cannot be read.
package requestbody

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
)

// MergePatchType is the media type of a JSON merge patch (RFC 7386).
const MergePatchType = "application/merge-patch+json"

// WithLimit refuses request bodies larger than maxBytes with 413: at once
// when the request declares its length, otherwise when the handler's read
// passes the limit (ReadError makes that read's error the 413).
func WithLimit(h http.Handler, maxBytes int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxBytes {
			responsewriters.WriteStatus(w, tooLarge(maxBytes))
			return
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
		}
		h.ServeHTTP(w, r)
	})
}

// ReadError converts a body read error to the Status to answer: 413 for a
// body over the limit, 400 otherwise.
func ReadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge(mbe.Limit)
	}
	return apierrors.NewBadRequest("the request body could not be read: " + err.Error())
}

func tooLarge(limit int64) error {
	return apistatus.New(http.StatusRequestEntityTooLarge, metav1.StatusReasonRequestEntityTooLarge,
		"the request body is larger than the limit of "+humanBytes(limit))
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	default:
		return strconv.FormatInt(n, 10) + " bytes"
	}
}

// Options say what a body must be.
type Options struct {
	// Kind names what the body is, in messages ("JSON object" when empty).
	// When the target is a runtime.Object, a body whose kind field names
	// another kind is a 400.
	Kind string
	// MediaTypes are accepted besides application/json.
	MediaTypes []string
	// Strict refuses fields the target does not have.
	Strict bool
	// Secret bodies (passwords) are never quoted: a body that cannot be
	// decoded is only said not to be a valid Kind.
	Secret bool
}

// Decode reads a JSON body into into. A Content-Type that is not JSON (nor
// one of o.MediaTypes) is a 415; a request without one is read as JSON.
// An empty body and a body that is not a valid o.Kind are a 400, a body
// over the limit a 413.
func Decode(r *http.Request, into any, o Options) error {
	kind := o.Kind
	if kind == "" {
		kind = "JSON object"
	}
	if err := checkMediaType(r, append([]string{"application/json"}, o.MediaTypes...), "the body must be JSON (Content-Type: application/json)"); err != nil {
		return err
	}
	dec := json.NewDecoder(r.Body)
	if o.Strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(into); err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return ReadError(err)
		case errors.Is(err, io.EOF):
			return apierrors.NewBadRequest("the request needs a JSON body")
		case o.Secret:
			// The decoder's message may quote the body.
			return apierrors.NewBadRequest("the body is not a valid " + kind)
		}
		return apierrors.NewBadRequest("the body is not a valid " + kind + ": " + err.Error())
	}
	if obj, ok := into.(runtime.Object); ok && o.Kind != "" {
		if k := obj.GetObjectKind().GroupVersionKind().Kind; k != "" && k != o.Kind {
			return apistatus.BadRequest("kind", "must be "+o.Kind+" or empty, not "+k)
		}
	}
	return nil
}

// ReadMergePatch reads a JSON merge patch (RFC 7386): Content-Type
// application/merge-patch+json or application/json (or none), and not
// empty. The patch is applied with package mergepatch.
func ReadMergePatch(r *http.Request) ([]byte, error) {
	if err := checkMediaType(r, []string{MergePatchType, "application/json"},
		"the patch must be a JSON merge patch (Content-Type: "+MergePatchType+")"); err != nil {
		return nil, err
	}
	patch, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, ReadError(err)
	}
	if len(bytes.TrimSpace(patch)) == 0 {
		return nil, apierrors.NewBadRequest("the request needs a JSON body")
	}
	return patch, nil
}

// checkMediaType answers 415 with msg when the request names a media type
// other than those allowed.
func checkMediaType(r *http.Request, allowed []string, msg string) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && slices.Contains(allowed, mt) {
		return nil
	}
	return apistatus.New(http.StatusUnsupportedMediaType, metav1.StatusReasonUnsupportedMediaType, msg)
}
