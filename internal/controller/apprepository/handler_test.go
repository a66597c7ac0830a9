package apprepository

import "net/http"

// httpHandler serves index() at /index.yaml.
type httpHandler func() string

func (h httpHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/index.yaml" {
		http.NotFound(w, r)
		return
	}
	_, _ = w.Write([]byte(h()))
}
