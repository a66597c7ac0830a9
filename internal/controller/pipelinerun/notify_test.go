package pipelinerun

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"k8s.io/apimachinery/pkg/types"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/devops/gitea"
)

func TestStatusState(t *testing.T) {
	for p, want := range map[devopsv1alpha3.RunPhase]gitea.State{
		devopsv1alpha3.PhaseRunning: gitea.StatePending, devopsv1alpha3.PhaseWaiting: gitea.StatePending,
		devopsv1alpha3.PhaseSucceeded: gitea.StateSuccess, devopsv1alpha3.PhaseFailed: gitea.StateFailure,
		devopsv1alpha3.PhaseCancelled: gitea.StateWarning, "Strange": gitea.StateError,
	} {
		if got := StatusState(p); got != want {
			t.Errorf("%s: %s, want %s", p, got, want)
		}
	}
}

func TestGiteaNotifierSetsTheStatusWithTheCredential(t *testing.T) {
	type call struct {
		path, user, pass, token string
		body                    map[string]any
	}
	calls := make(chan call, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := call{path: r.URL.Path, token: r.Header.Get("Authorization")}
		c.user, c.pass, _ = r.BasicAuth()
		_ = json.NewDecoder(r.Body).Decode(&c.body)
		calls <- c
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":1}`))
	}))
	defer srv.Close()
	n := &GiteaNotifier{ConsoleURL: "https://console.test/"}
	note := Notification{Run: types.NamespacedName{Namespace: "ci", Name: "app-1"}, Pipeline: "app",
		Source:     &devopsv1alpha3.Source{URL: srv.URL + "/git/acme/app.git", Provider: "gitea"},
		Credential: map[string][]byte{"username": []byte("bot"), "password": []byte("pw")},
		Commit:     "abc123", Phase: devopsv1alpha3.PhaseFailed, Message: "step test failed"}
	if err := n.Notify(context.Background(), note); err != nil {
		t.Fatal(err)
	}
	c := <-calls
	if c.path != "/git/api/v1/repos/acme/app/statuses/abc123" || c.user != "bot" || c.pass != "pw" {
		t.Errorf("call %+v", c)
	}
	if c.body["state"] != "failure" || c.body["context"] != "superkube/app" || c.body["description"] != "Failed: step test failed" ||
		c.body["target_url"] != "https://console.test/devops/ci/runs/app-1" {
		t.Errorf("body %v", c.body)
	}
	note.Credential = map[string][]byte{"secret": []byte("tok")}
	note.Phase, note.Message = devopsv1alpha3.PhaseRunning, ""
	if err := n.Notify(context.Background(), note); err != nil {
		t.Fatal(err)
	}
	if c = <-calls; c.token != "token tok" || c.body["state"] != "pending" {
		t.Errorf("call %+v", c)
	}
	// Another provider, or no commit: nothing is sent.
	note.Source.Provider = "generic"
	if err := n.Notify(context.Background(), note); err != nil || len(calls) != 0 {
		t.Errorf("generic: %v, %d calls", err, len(calls))
	}
}
