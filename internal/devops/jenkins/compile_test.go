package jenkins

import (
	"flag"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/devops/engine"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func dur(d time.Duration) *metav1.Duration { return &metav1.Duration{Duration: d} }

// fullRun uses every construct Compile writes.
func fullRun() *engine.Run {
	return &engine.Run{
		Key:      types.NamespacedName{Namespace: "demo", Name: "web-abc123"},
		Pipeline: "web",
		Source:   &devopsv1alpha3.Source{URL: "https://git.example.com/demo/web.git", Branch: "main", Credential: "git-login"},
		Revision: devopsv1alpha3.Revision{Branch: "release/1.2", Commit: "0123456789abcdef0123456789abcdef01234567"},
		Params:   map[string]string{"TARGET": "staging", "GREETING": "it's $HOME \\o/"},
		Definition: &devopsv1alpha3.Definition{
			Timeout: dur(90 * time.Minute),
			Environment: []devopsv1alpha3.EnvVar{
				{Name: "GOFLAGS", Value: "-mod=readonly"},
				{Name: "DEPLOY_TO", Value: "env-${params.TARGET}-$literal \"x\""},
				{Name: "API_TOKEN", Credential: &devopsv1alpha3.CredentialKeyRef{Name: "api", Key: "secret"}},
			},
			Stages: []devopsv1alpha3.Stage{
				{
					Name: "Build",
					Steps: []devopsv1alpha3.Step{
						{Checkout: &devopsv1alpha3.CheckoutStep{Dir: "src"}},
						{Name: "compile", Shell: &devopsv1alpha3.ShellStep{Script: "cd src\ngo build ./...\necho \"done: $GOFLAGS\" 'single' \\back\\slash\necho '''triple''' \"\"\"also\"\"\"\n"}},
						{Name: "image", BuildImage: &devopsv1alpha3.BuildImageStep{Context: "src", Image: "registry.example.com/demo/web:1.2", Push: true, PushCredential: "registry"}},
					},
				},
				{
					Name:    "Test",
					Timeout: dur(10 * time.Minute),
					Retry:   1,
					Environment: []devopsv1alpha3.EnvVar{
						{Name: "API_TOKEN", Value: "overridden-in-test"},
						{Name: "DB_PASSWORD", Credential: &devopsv1alpha3.CredentialKeyRef{Name: "db", Key: "password"}},
					},
					Parallel: []devopsv1alpha3.Branch{
						{Name: "unit", Steps: []devopsv1alpha3.Step{{Shell: &devopsv1alpha3.ShellStep{Script: "go test ./..."}}}},
						{
							Name:        "lint",
							When:        &devopsv1alpha3.When{Environment: &devopsv1alpha3.EnvMatch{Name: "LINT", Value: "yes"}},
							Retry:       2,
							Environment: []devopsv1alpha3.EnvVar{{Name: "KUBECONFIG", Credential: &devopsv1alpha3.CredentialKeyRef{Name: "cluster", Key: "kubeconfig"}}},
							Steps: []devopsv1alpha3.Step{{
								Name:        "vet",
								Retry:       3,
								Timeout:     dur(90 * time.Second),
								Environment: []devopsv1alpha3.EnvVar{{Name: "MODE", Value: "${params.TARGET}"}, {Name: "SSH_KEY", Credential: &devopsv1alpha3.CredentialKeyRef{Name: "deploy-key", Key: "ssh-privatekey"}}},
								Shell:       &devopsv1alpha3.ShellStep{Script: "go vet ./..."},
							}},
						},
					},
				},
				{
					Name: "Release",
					When: &devopsv1alpha3.When{
						Branch:    "release/*",
						Parameter: &devopsv1alpha3.ParameterMatch{Name: "TARGET", Value: "staging"},
					},
					Steps: []devopsv1alpha3.Step{
						{Name: "approve", Input: &devopsv1alpha3.InputStep{Message: "Release 'web' to ${TARGET}?", Timeout: dur(time.Hour)}},
						{Artifacts: &devopsv1alpha3.ArtifactsStep{Paths: []string{"dist/*.tar.gz", "reports/**"}}},
					},
				},
			},
		},
	}
}

func TestCompileGolden(t *testing.T) {
	noCommit := fullRun()
	noCommit.Revision = devopsv1alpha3.Revision{}
	noCommit.Source.Credential = ""
	noCommit.Params = nil
	noCommit.Definition = &devopsv1alpha3.Definition{Stages: []devopsv1alpha3.Stage{{
		Name:  "Only",
		Steps: []devopsv1alpha3.Step{{Checkout: &devopsv1alpha3.CheckoutStep{}}, {Shell: &devopsv1alpha3.ShellStep{Script: "make"}}, {BuildImage: &devopsv1alpha3.BuildImageStep{Image: "web:dev"}}},
	}}}
	for name, run := range map[string]*engine.Run{"full": fullRun(), "minimal": noCommit} {
		t.Run(name, func(t *testing.T) {
			got, err := Compile(run)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := Compile(run)
			if again != got {
				t.Fatal("Compile is not deterministic")
			}
			golden := filepath.Join("testdata", "compile", name+".jenkinsfile")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("Compile differs from %s (go test -run TestCompileGolden -update rewrites it):\n%s", golden, got)
			}
		})
	}
}

func TestCompileRefuses(t *testing.T) {
	cases := map[string]struct {
		step devopsv1alpha3.Step
		want string
	}{
		"deploy":       {devopsv1alpha3.Step{Deploy: &devopsv1alpha3.DeployStep{Project: "p", Manifests: []string{"k8s"}}}, "step S/deploy-1: deploy is not supported on Jenkins"},
		"codeQuality":  {devopsv1alpha3.Step{CodeQuality: &devopsv1alpha3.CodeQualityStep{ProjectKey: "k"}}, "step S/codeQuality-1: codeQuality is not supported on Jenkins"},
		"no source":    {devopsv1alpha3.Step{Checkout: &devopsv1alpha3.CheckoutStep{}}, "checkout needs the pipeline's source"},
		"odd key":      {devopsv1alpha3.Step{Environment: []devopsv1alpha3.EnvVar{{Name: "X", Credential: &devopsv1alpha3.CredentialKeyRef{Name: "c", Key: "token"}}}, Shell: &devopsv1alpha3.ShellStep{Script: "true"}}, `uses the key "token" of the credential "c"`},
		"no kind":      {devopsv1alpha3.Step{Name: "empty"}, "step S/empty has no kind"},
		"bad env name": {devopsv1alpha3.Step{Environment: []devopsv1alpha3.EnvVar{{Name: "A B"}}, Shell: &devopsv1alpha3.ShellStep{Script: "true"}}, `"A B" is not a variable name`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			run := &engine.Run{Key: types.NamespacedName{Namespace: "n", Name: "r"}, Pipeline: "p", Definition: &devopsv1alpha3.Definition{
				Stages: []devopsv1alpha3.Stage{{Name: "S", Steps: []devopsv1alpha3.Step{c.step}}},
			}}
			_, err := Compile(run)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
	run := fullRun()
	run.Params = map[string]string{RunParameter: "x"}
	if _, err := Compile(run); err == nil || !strings.Contains(err.Error(), "reserved") {
		t.Fatalf("the reserved parameter: got %v", err)
	}
}

// groovyUnquote reads a Groovy single- or triple-single-quoted literal as
// Groovy does (the escapes Compile writes), to check the round trip.
func groovyUnquote(t *testing.T, lit string) string {
	t.Helper()
	var body string
	switch {
	case strings.HasPrefix(lit, "'''") && strings.HasSuffix(lit, "'''") && len(lit) >= 6:
		body = lit[3 : len(lit)-3]
	case strings.HasPrefix(lit, "'") && strings.HasSuffix(lit, "'") && len(lit) >= 2:
		body = lit[1 : len(lit)-1]
		if strings.Contains(body, "\n") {
			t.Fatalf("a newline in a single-quoted literal: %q", lit)
		}
	default:
		t.Fatalf("not a literal: %q", lit)
	}
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		ch := body[i]
		if ch == '\'' {
			t.Fatalf("an unescaped quote ends the literal early: %q", lit)
		}
		if ch != '\\' {
			b.WriteByte(ch)
			continue
		}
		i++
		if i >= len(body) {
			t.Fatalf("a trailing backslash escapes the closing quote: %q", lit)
		}
		switch body[i] {
		case '\\', '\'', '"', '$':
			b.WriteByte(body[i])
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'u':
			v, err := strconv.ParseUint(body[i+1:i+5], 16, 32)
			if err != nil {
				t.Fatalf("bad \\u escape in %q", lit)
			}
			b.WriteRune(rune(v))
			i += 4
		default:
			t.Fatalf("an escape Groovy would not read the same way: \\%c in %q", body[i], lit)
		}
	}
	return b.String()
}

func TestQuotingRoundTrips(t *testing.T) {
	for _, s := range []string{
		"plain",
		"it's",
		`back\slash and trailing \`,
		`$HOME ${HOME} ${params.X} "double"`,
		"'''triple''' and '''",
		`"""dq"""`,
		"lines\nand\ttabs\r\n",
		"ctrl \x00\x01\x1b\x7f end",
		"'",
		"\\'",
		"",
	} {
		if got := groovyUnquote(t, quote(s)); got != s {
			t.Errorf("quote(%q) reads back as %q", s, got)
		}
		if got := groovyUnquote(t, script(s)); got != s {
			t.Errorf("script(%q) reads back as %q", s, got)
		}
	}
	if got, want := script("echo '''x''' \\ $y\n"), `'''echo \'\'\'x\'\'\' \\ $y`+"\n'''"; got != want {
		t.Errorf("script: got %s, want %s", got, want)
	}
}

func TestInterpolateOnlyParams(t *testing.T) {
	cases := map[string]string{
		"plain $x":                  `'plain $x'`,
		"a-${params.T}-$b \"q\" \\": `"a-${params.T}-\$b \"q\" \\"`,
		"${params.bad-name}":        `'${params.bad-name}'`,
		"${env.X} ${params.Y}":      `"\${env.X} ${params.Y}"`,
	}
	for in, want := range cases {
		if got := interpolate(in); got != want {
			t.Errorf("interpolate(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestGlobRegexpMatchesAsPathMatch(t *testing.T) {
	names := []string{"main", "release/1.2", "release/1.2/x", "feature-a", "feature/a", "fix[1]", "a.b", "x", "ab", "rel", "release", "v1"}
	for _, g := range []string{"main", "release/*", "feature-?", "*", "[a-c]*", "[^f]*", `fix\[1\]`, "a.b", "?", "v[0-9]"} {
		re, err := globRegexp(g)
		if err != nil {
			t.Fatalf("%s: %v", g, err)
		}
		rx := regexp.MustCompile(re)
		for _, n := range names {
			want, _ := path.Match(g, n)
			if got := rx.MatchString(n); got != want {
				t.Errorf("glob %q → %s on %q: %v, path.Match says %v", g, re, n, got, want)
			}
		}
	}
	for _, bad := range []string{"[abc", `trailing\`} {
		if _, err := globRegexp(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestInputIDIsStableAndCapitalised(t *testing.T) {
	a, b := InputID("Release/approve"), InputID("Release/approve")
	if a != b || a == InputID("Release/other") {
		t.Fatal("InputID is not a function of the path")
	}
	if !regexp.MustCompile(`^Sk[0-9a-f]{16}$`).MatchString(a) {
		t.Fatalf("InputID = %q", a)
	}
}
