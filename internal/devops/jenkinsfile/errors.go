package jenkinsfile

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Error is why a Jenkinsfile was refused: the place (1-based line and
// column) and what was found there.
type Error struct {
	Line   int
	Column int
	// Msg says what is wrong, without the place.
	Msg string
	// path is the field of the Pipeline the construct would have become.
	path string
}

// Error returns "line L, column C: message".
func (e *Error) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// Field is the path of the Pipeline's field the refused construct maps to,
// such as "spec.definition.stages[2].steps[0]" or "spec.parameters[1]"; it
// is "spec.definition" when the error is not about one field (a syntax
// error, say).
func (e *Error) Field() string {
	if e.path == "" {
		return "spec.definition"
	}
	return e.path
}

// FieldError is the error as a field error, for a Kubernetes Status 422:
// apierrors.NewInvalid(kind, name, field.ErrorList{err.FieldError()}).
// Its detail keeps the line and column.
func (e *Error) FieldError() *field.Error {
	return field.Invalid(parsePath(e.Field()), nil, e.Error())
}

// parsePath turns "a.b[2].c" into a *field.Path.
func parsePath(s string) *field.Path {
	var p *field.Path
	name := ""
	add := func() {
		if name == "" {
			return
		}
		if p == nil {
			p = field.NewPath(name)
		} else {
			p = p.Child(name)
		}
		name = ""
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '.':
			add()
		case '[':
			add()
			j := i + 1
			n := 0
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				n = n*10 + int(s[j]-'0')
				j++
			}
			if p == nil {
				p = field.NewPath("")
			}
			p = p.Index(n)
			i = j // at ']'
		default:
			name += string(c)
		}
	}
	add()
	return p
}

// Warning is a construct that was imported only in part, or ignored.
type Warning struct {
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

// String returns "line L, column C: message".
func (w Warning) String() string {
	return fmt.Sprintf("line %d, column %d: %s", w.Line, w.Column, w.Message)
}
