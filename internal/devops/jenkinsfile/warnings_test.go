package jenkinsfile

import (
	"reflect"
	"testing"
)

func TestWarnings(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{{
		name: "none",
		src:  pipelineWith("sh 'x'"),
	}, {
		name: "ignored options",
		src:  "pipeline {\nagent any\noptions { disableConcurrentBuilds(); timestamps() }\nstages { stage('s') { steps { sh 'x' } } }\n}",
		want: []string{"line 3, column 11: option disableConcurrentBuilds is ignored", "line 3, column 38: option timestamps is ignored"},
	}, {
		name: "credentials",
		src:  "pipeline {\nagent any\nenvironment { T = credentials('t') }\nstages { stage('s') { steps { sh 'x' } } }\n}",
	}, {
		name: "input's submitter",
		src:  pipelineWith("input message: 'ok?', submitter: 'alice'"),
		want: []string{"line 6, column 1: input's submitter is ignored (who may approve is the project's roles)"},
	}, {
		name: "sh's label",
		src:  pipelineWith("sh 'a'\nsh label: 'build', script: 'b'"),
		want: []string{"line 7, column 1: sh's label is ignored (the step is named sh-2)"},
	}, {
		name: "failFast",
		src:  "pipeline {\nagent any\nstages { stage('p') {\nfailFast true\nparallel { stage('a') { steps { sh 'x' } } } } }\n}",
		want: []string{"line 4, column 1: failFast is ignored: a stage fails when one of its branches fails"},
	}, {
		name: "post",
		src:  "pipeline {\nagent any\nstages { stage('s') { steps { sh 'x' } } }\npost { always { junit 'x' } }\n}",
		want: []string{"line 4, column 1: post { ... } is ignored: a definition has no post actions (put them in a last stage, or use the run's status)"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse([]byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range res.Warnings {
				got = append(got, w.String())
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("warnings\n got: %q\nwant: %q", got, tt.want)
			}
		})
	}
}

func TestFieldError(t *testing.T) {
	e := &Error{Line: 3, Column: 7, Msg: "bad", path: "spec.definition.stages[2].parallel[1].steps[0]"}
	fe := e.FieldError()
	if fe.Field != "spec.definition.stages[2].parallel[1].steps[0]" || fe.Detail != "line 3, column 7: bad" {
		t.Errorf("FieldError = %+v", fe)
	}
	if got := (&Error{Line: 1, Column: 1, Msg: "x"}).FieldError().Field; got != "spec.definition" {
		t.Errorf("field of a syntax error %q", got)
	}
}
