package gitea

import (
	"testing"
)

func TestVerifySignatureAcceptsGiteasAndRefusesTheRest(t *testing.T) {
	body := []byte(`{"ref":"refs/heads/main"}`)
	secret := []byte("s3cret")
	sig := Sign(body, secret)
	if !VerifySignature(body, secret, sig) {
		t.Fatal("the body's own signature was refused")
	}
	for name, c := range map[string]struct {
		body, secret []byte
		header       string
	}{
		"tampered body":  {[]byte(`{"ref":"refs/heads/evil"}`), secret, sig},
		"other secret":   {body, []byte("other"), sig},
		"no secret":      {body, nil, sig},
		"no header":      {body, secret, ""},
		"not hex":        {body, secret, "zz" + sig[2:]},
		"short":          {body, secret, sig[:10]},
		"sha256= prefix": {body, secret, "sha256=" + sig},
	} {
		if VerifySignature(c.body, c.secret, c.header) {
			t.Errorf("%s: verified", name)
		}
	}
}

func TestParsePushReadsTheBranchCommitAndPusher(t *testing.T) {
	p, err := ParsePush([]byte(`{"ref":"refs/heads/feature/x","before":"a1","after":"b2",
		"repository":{"full_name":"o/r","clone_url":"http://g/o/r.git","default_branch":"main"},
		"pusher":{"login":"alice","username":"alice"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Branch != "feature/x" || p.Tag != "" || p.After != "b2" || p.Before != "a1" || p.Pusher != "alice" ||
		p.Repository.CloneURL != "http://g/o/r.git" || p.Deleted {
		t.Errorf("%+v", p)
	}
	d, err := ParsePush([]byte(`{"ref":"refs/tags/v1","after":"0000000000000000000000000000000000000000"}`))
	if err != nil {
		t.Fatal(err)
	}
	if d.Tag != "v1" || d.Branch != "" || !d.Deleted {
		t.Errorf("%+v", d)
	}
	if _, err := ParsePush([]byte(`{}`)); err == nil {
		t.Error("a push without a ref was accepted")
	}
	if _, err := ParsePush([]byte(`{`)); err == nil {
		t.Error("bad JSON was accepted")
	}
}

func TestParsePullRequestReadsTheHead(t *testing.T) {
	e, err := ParsePullRequest([]byte(`{"action":"opened","number":3,
		"pull_request":{"number":3,"title":"T","head":{"ref":"feat","sha":"c3","repo":{"clone_url":"http://g/fork/r.git"}},"base":{"ref":"main"}},
		"repository":{"full_name":"o/r","clone_url":"http://g/o/r.git"},"sender":{"login":"bob"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if e.Action != "opened" || e.Number != 3 || e.Head != "feat" || e.HeadSHA != "c3" || e.Base != "main" ||
		e.HeadCloneURL != "http://g/fork/r.git" || e.Sender != "bob" || e.Title != "T" {
		t.Errorf("%+v", e)
	}
	if _, err := ParsePullRequest([]byte(`{"action":"opened"}`)); err == nil {
		t.Error("a pull request without a number was accepted")
	}
}
