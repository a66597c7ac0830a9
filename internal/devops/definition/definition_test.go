package definition

import (
	"strings"
	"testing"
)

func TestParseReadsADefinition(t *testing.T) {
	def, errs := Parse([]byte(`
environment:
  - name: GOFLAGS
    value: -mod=mod
timeout: 30m
stages:
  - name: checkout
    steps:
      - checkout: {}
  - name: test
    parallel:
      - name: unit
        steps:
          - shell: {script: go test ./...}
      - name: vet
        steps:
          - shell: {script: go vet ./...}
  - name: approve
    when: {branch: main}
    steps:
      - input: {message: "Deploy?"}
`), Path())
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(def.Stages) != 3 || len(def.Stages[1].Parallel) != 2 || def.Timeout.Minutes() != 30 {
		t.Errorf("definition %+v", def)
	}
}

func TestParseNamesTheLineAndTheField(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"unknown field", "stages:\n  - name: a\n    steps:\n      - shell: {script: ls}\n        retries: 2\n",
			`spec.definition.stages[0].steps[0].retries: Unsupported value: "retries": line 5: unknown field`},
		{"wrong kind", "stages:\n  - name: a\n    steps:\n      - shell: {script: ls}\n        retry: many\n",
			`spec.definition.stages[0].steps[0].retry: Invalid value: "many": line 5: must be an integer`},
		{"bad duration", "timeout: soon\nstages:\n  - name: a\n    steps:\n      - shell: {script: ls}\n",
			`spec.definition.timeout: Invalid value: "soon": line 1: must be a duration`},
		{"two kinds", "stages:\n  - name: a\n    steps:\n      - shell: {script: ls}\n        checkout: {}\n",
			`spec.definition.stages[0].steps[0]: Invalid value: "": line 4: a step has exactly one of`},
		{"duplicate stage", "stages:\n  - name: a\n    steps: [{shell: {script: ls}}]\n  - name: a\n    steps: [{shell: {script: ls}}]\n",
			`spec.definition.stages[1].name: Duplicate value: "a"`},
		{"syntax", "stages:\n  - name: a\n   steps: x\n", `spec.definition: Invalid value: "": line 1: did not find expected`},
		{"escaping path", "stages:\n  - name: a\n    steps:\n      - artifacts: {paths: [../../etc/passwd]}\n", `paths are relative to the workspace`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := Parse([]byte(tc.text), Path())
			if len(errs) == 0 {
				t.Fatal("no error")
			}
			if got := errs.ToAggregate().Error(); !strings.Contains(got, tc.want) {
				t.Errorf("got %q, want it to contain %q", got, tc.want)
			}
		})
	}
}
