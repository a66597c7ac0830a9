package jenkinsfile

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
)

// pipelineWith returns a pipeline with one stage whose steps are steps.
func pipelineWith(steps string) string {
	return "pipeline {\n agent any\n stages {\n  stage('s') {\n   steps {\n" + steps + "\n   }\n  }\n }\n}\n"
}

func TestLimits(t *testing.T) {
	many := func(n int, f func(i int) string) string {
		var sb strings.Builder
		for i := range n {
			sb.WriteString(f(i))
			sb.WriteByte('\n')
		}
		return sb.String()
	}
	tests := []struct {
		name      string
		src       string
		want      string // "" when accepted
		wantField string
	}{{
		name: "50 stages",
		src:  "pipeline {\nagent any\nstages {\n" + many(50, func(i int) string { return fmt.Sprintf("stage('s%d') { steps { sh 'x' } }", i) }) + "}\n}\n",
	}, {
		name:      "51 stages",
		src:       "pipeline {\nagent any\nstages {\n" + many(51, func(i int) string { return fmt.Sprintf("stage('s%d') { steps { sh 'x' } }", i) }) + "}\n}\n",
		want:      "line 54, column 1: more than 50 stages",
		wantField: "spec.definition.stages[50]",
	}, {
		name: "100 steps",
		src:  pipelineWith(many(100, func(int) string { return "sh 'x'" })),
	}, {
		name:      "101 steps",
		src:       pipelineWith(many(101, func(int) string { return "sh 'x'" })),
		want:      "line 106, column 1: more than 100 steps",
		wantField: "spec.definition.stages[0].steps[100]",
	}, {
		name: "101 steps through a wrapper",
		src: pipelineWith(many(99, func(int) string { return "sh 'x'" }) +
			"retry(2) { sh 'a'; sh 'b' }"),
		want:      "line 105, column 20: more than 100 steps",
		wantField: "spec.definition.stages[0].steps[100]",
	}, {
		name: "21 parallel branches",
		src: "pipeline {\nagent any\nstages {\nstage('p') {\nparallel {\n" +
			many(21, func(i int) string { return fmt.Sprintf("stage('b%d') { steps { sh 'x' } }", i) }) + "}\n}\n}\n}\n",
		want:      "line 26, column 1: more than 20 parallel branches",
		wantField: "spec.definition.stages[0].parallel[20]",
	}, {
		name: "51 parameters",
		src: "pipeline {\nagent any\nparameters {\n" +
			many(51, func(i int) string { return fmt.Sprintf("string(name: 'P%d')", i) }) + "}\nstages { stage('s') { steps { sh 'x' } } }\n}\n",
		want:      "line 54, column 1: more than 50 parameters",
		wantField: "spec.parameters[50]",
	}, {
		name: "101 variables",
		src: "pipeline {\nagent any\nenvironment {\n" +
			many(101, func(i int) string { return fmt.Sprintf("V%d = 'x'", i) }) + "}\nstages { stage('s') { steps { sh 'x' } } }\n}\n",
		want:      "line 104, column 1: more than 100 environment variables",
		wantField: "spec.definition.environment[100]",
	}, {
		name: "101 choices",
		src: "pipeline {\nagent any\nparameters {\nchoice(name: 'C', choices: [" +
			many(101, func(i int) string { return fmt.Sprintf("'c%d',", i) }) + "])\n}\nstages { stage('s') { steps { sh 'x' } } }\n}\n",
		want:      "line 4, column 28: more than 100 choices",
		wantField: "spec.parameters[0]",
	}, {
		name:      "a script too long",
		src:       pipelineWith("sh '" + strings.Repeat("x", 65537) + "'"),
		want:      "line 6, column 4: the script is longer than 65536 bytes",
		wantField: "spec.definition.stages[0].steps[0].shell.script",
	}, {
		name:      "a message too long",
		src:       pipelineWith("input '" + strings.Repeat("x", 1025) + "'"),
		want:      "line 6, column 7: input's message must have 1 to 1024 characters",
		wantField: "spec.definition.stages[0].steps[0].input.message",
	}, {
		name: "63 characters of a stage name",
		src:  "pipeline {\nagent any\nstages { stage('" + strings.Repeat("é", 63) + "') { steps { sh 'x' } } }\n}\n",
	}, {
		name:      "a value too long",
		src:       "pipeline {\nagent any\nenvironment { A = '" + strings.Repeat("x", 4097) + "' }\nstages { stage('s') { steps { sh 'x' } } }\n}\n",
		want:      "line 3, column 19: the value of A is longer than 4096 bytes",
		wantField: "spec.definition.environment[0]",
	}, {
		name:      "a file too large",
		src:       pipelineWith("sh '" + strings.Repeat("x", MaxSize) + "'"),
		want:      "line 1, column 1: the Jenkinsfile is larger than 1048576 bytes",
		wantField: "spec.definition",
	}, {
		name:      "nesting too deep",
		src:       pipelineWith(strings.Repeat("dir('a') {\n", 70) + "sh 'x'" + strings.Repeat("}\n", 70)),
		want:      "line 66, column 10: blocks are nested too deeply",
		wantField: "spec.definition",
	}, {
		name:      "a list nested too deep",
		src:       pipelineWith("archiveArtifacts " + strings.Repeat("[", 100) + strings.Repeat("]", 100)),
		want:      "line 6, column 82: values are nested too deeply",
		wantField: "spec.definition",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse([]byte(tt.src))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				checkLimits(t, res)
				return
			}
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("Parse returned %v, want an *Error", err)
			}
			if e.Error() != tt.want || e.Field() != tt.wantField {
				t.Errorf("error\n got: %s (%s)\nwant: %s (%s)", e, e.Field(), tt.want, tt.wantField)
			}
		})
	}
}

var validName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// checkLimits checks a result against the CRD's limits and rules,
// independently of the converter.
func checkLimits(t *testing.T, res *Result) {
	t.Helper()
	d := res.Definition
	if n := len(d.Stages); n < 1 || n > 50 {
		t.Errorf("%d stages", n)
	}
	if d.Timeout != nil && (d.Timeout.Duration <= 0 || d.Timeout.Duration > 24*time.Hour) {
		t.Errorf("run timeout %v", d.Timeout)
	}
	checkEnv(t, "definition", d.Environment)
	if len(res.Parameters) > 50 {
		t.Errorf("%d parameters", len(res.Parameters))
	}
	params := map[string]bool{}
	for _, p := range res.Parameters {
		if !validName.MatchString(p.Name) || len(p.Name) > 128 || params[p.Name] {
			t.Errorf("parameter name %q", p.Name)
		}
		params[p.Name] = true
		if len(p.Default) > 4096 || len(p.Choices) > 100 || utf8.RuneCountInString(p.Description) > 1024 {
			t.Errorf("parameter %s over a limit", p.Name)
		}
	}
	names := map[string]bool{}
	name := func(n string) {
		if n == "" || utf8.RuneCountInString(n) > 63 || names[n] {
			t.Errorf("stage name %q", n)
		}
		names[n] = true
	}
	checkWhen := func(w *devopsv1alpha3.When) {
		if w == nil {
			return
		}
		if len(w.Branch) > 253 || w.Parameter != nil && (w.Parameter.Name == "" || !params[w.Parameter.Name]) ||
			w.Environment != nil && w.Environment.Name == "" {
			t.Errorf("when %+v", w)
		}
	}
	for _, s := range d.Stages {
		name(s.Name)
		checkWhen(s.When)
		checkEnv(t, s.Name, s.Environment)
		if s.Retry < 0 || s.Retry > 10 {
			t.Errorf("stage %s retry %d", s.Name, s.Retry)
		}
		if (len(s.Steps) > 0) == (len(s.Parallel) > 0) {
			t.Errorf("stage %s has both or neither steps and parallel", s.Name)
		}
		checkSteps(t, s.Name, s.Steps)
		if len(s.Parallel) > 20 {
			t.Errorf("stage %s has %d branches", s.Name, len(s.Parallel))
		}
		for _, b := range s.Parallel {
			name(b.Name)
			checkWhen(b.When)
			checkEnv(t, b.Name, b.Environment)
			if b.Retry < 0 || b.Retry > 10 || len(b.Steps) < 1 {
				t.Errorf("branch %s", b.Name)
			}
			checkSteps(t, b.Name, b.Steps)
		}
	}
}

func checkEnv(t *testing.T, where string, env []devopsv1alpha3.EnvVar) {
	t.Helper()
	if len(env) > 100 {
		t.Errorf("%s: %d variables", where, len(env))
	}
	seen := map[string]bool{}
	for _, e := range env {
		if !validName.MatchString(e.Name) || len(e.Name) > 128 || seen[e.Name] || len(e.Value) > 4096 {
			t.Errorf("%s: variable %q", where, e.Name)
		}
		seen[e.Name] = true
		if c := e.Credential; c != nil && (c.Name == "" || c.Key == "" || len(c.Name) > 253 || e.Value != "") {
			t.Errorf("%s: variable %s's credential %+v", where, e.Name, c)
		}
	}
}

func checkSteps(t *testing.T, where string, steps []devopsv1alpha3.Step) {
	t.Helper()
	if len(steps) > 100 {
		t.Errorf("%s: %d steps", where, len(steps))
	}
	seen := map[string]bool{}
	for _, s := range steps {
		if s.Name == "" || len(s.Name) > 63 || seen[s.Name] {
			t.Errorf("%s: step name %q", where, s.Name)
		}
		seen[s.Name] = true
		kinds := 0
		for _, set := range []bool{s.Shell != nil, s.Checkout != nil, s.BuildImage != nil, s.Deploy != nil, s.Input != nil, s.CodeQuality != nil, s.Artifacts != nil} {
			if set {
				kinds++
			}
		}
		if kinds != 1 || s.Retry < 0 || s.Retry > 10 {
			t.Errorf("%s: step %s", where, s.Name)
		}
		checkEnv(t, where+"/"+s.Name, s.Environment)
		switch {
		case s.Shell != nil && (s.Shell.Script == "" || len(s.Shell.Script) > 65536),
			s.Input != nil && (s.Input.Message == "" || utf8.RuneCountInString(s.Input.Message) > 1024),
			s.Artifacts != nil && (len(s.Artifacts.Paths) < 1 || len(s.Artifacts.Paths) > 50),
			s.Checkout != nil && len(s.Checkout.Dir) > 253:
			t.Errorf("%s: step %s over a limit", where, s.Name)
		}
	}
}
