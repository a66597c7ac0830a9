package jenkinsfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics, that it refuses with an
// *Error at a place inside the file, and that what it accepts keeps the
// CRD's limits. The seeds are the Jenkinsfiles of testdata and a few
// fragments; go test -fuzz=FuzzParse explores from them.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.groovy")
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	for _, s := range []string{
		"", "pipeline", "pipeline {", "pipeline { agent any }", "}", "{{{{", "'", `"${`, `"$`, "'''", "/*",
		"pipeline { agent any; stages { stage('a') { steps { sh 'x' } } } }",
		"pipeline { agent any\nstages { stage('a') { when { expression { params.X == 'y' } } steps { sh 'x' } } } }",
		"pipeline { agent any\nstages { stage('a') { steps { retry(2) { timeout(1) { dir('a') { sh \"${X}\" } } } } } } }",
		"a(b: [c: [d, 'e'], f: -1], [:])",
		"x = [1, [2, [3]]] // c",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		res, err := Parse(src)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error: %v", err, err)
			}
			if e.Line < 1 || e.Column < 1 || e.Msg == "" || e.FieldError() == nil {
				t.Fatalf("error without a place: %+v", e)
			}
			return
		}
		if res == nil {
			t.Fatal("no result and no error")
		}
		checkLimits(t, res)
	})
}
