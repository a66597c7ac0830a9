// Package jenkinsfile imports the common subset of a declarative
// Jenkinsfile as a pipeline definition and its parameters.
//
// It reads Groovy's syntax only as far as declarative pipelines use it
// (commands, named arguments, lists, maps, closures and the four string
// quotings) and never runs anything. Whatever falls outside the subset is
// refused with an *Error naming its line, column and construct; constructs
// that are imported only in part, or ignored, are listed as warnings. See
// docs/devops-jenkinsfile.md for the subset and the mapping.
package jenkinsfile

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
)

// MaxSize is the largest Jenkinsfile Parse reads.
const MaxSize = 1 << 20

// Limits of the definition (the CRD's).
const (
	maxStages       = 50
	maxSteps        = 100
	maxBranches     = 20
	maxEnv          = 100
	maxParameters   = 50
	maxChoices      = 100
	maxNameLen      = 63
	maxVarNameLen   = 128
	maxValueLen     = 4096
	maxDescLen      = 1024
	maxScriptLen    = 65536
	maxMessageLen   = 1024
	maxPaths        = 50
	maxPathLen      = 253
	maxRetry        = 10
	maxRunTimeout   = 24 * time.Hour
	maxCredLen      = 253
	maxBranchGlob   = 253
	credentialKey   = "secret"
	usernameKey     = "username"
	passwordKey     = "password"
	unsupportedHint = "(only the declarative subset is)"
)

var varName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Result is an imported Jenkinsfile.
type Result struct {
	// Definition is the pipeline's definition (spec.definition).
	Definition devopsv1alpha3.Definition `json:"definition"`
	// Parameters are the pipeline's parameters (spec.parameters).
	Parameters []devopsv1alpha3.Parameter `json:"parameters,omitempty"`
	// Warnings list what was imported only in part, or ignored.
	Warnings []Warning `json:"warnings,omitempty"`
}

// Parse imports a declarative Jenkinsfile. A refusal is an *Error.
func Parse(src []byte) (*Result, error) {
	if len(src) > MaxSize {
		return nil, &Error{Line: 1, Column: 1, Msg: fmt.Sprintf("the Jenkinsfile is larger than %d bytes", MaxSize)}
	}
	toks, err := lex(string(src))
	if err != nil {
		return nil, err
	}
	last := toks[len(toks)-1]
	top, err := newParser(toks[:len(toks)-1], last.Pos).statements()
	if err != nil {
		return nil, err
	}
	c := &converter{params: map[string]bool{}, names: map[string]pos{}}
	if err := c.file(top, last.Pos); err != nil {
		return nil, err
	}
	return &c.res, nil
}

// converter turns statements into the definition.
type converter struct {
	res    Result
	params map[string]bool // declared parameters
	// runRetry is the pipeline's retry, for stages that set none.
	runRetry *int32
	names    map[string]pos // stage and branch names
}

func (c *converter) warn(at pos, format string, args ...any) {
	c.res.Warnings = append(c.res.Warnings, Warning{Line: at.Line, Column: at.Col, Message: fmt.Sprintf(format, args...)})
}

// fail is an error at a place, about a field.
func fail(at pos, field string, format string, args ...any) *Error {
	e := errAt(at, format, args...)
	e.path = field
	return e
}

func (c *converter) file(top []*stmt, end pos) error {
	var pipeline *stmt
	for _, s := range top {
		switch {
		case s.Name == "node":
			return fail(s.Pos, "", "scripted pipelines (node { ... }) are not supported: only declarative Jenkinsfiles (pipeline { ... }) can be imported")
		case s.Name == "pipeline" && s.Body != nil && len(s.Args) == 0 && !s.Parens:
			if pipeline != nil {
				return fail(s.Pos, "", "a second pipeline block: a Jenkinsfile has one")
			}
			pipeline = s
		default:
			return fail(s.Pos, "", "%q at the top level is not supported: a declarative Jenkinsfile is one pipeline { ... } block", s.Name)
		}
	}
	if pipeline == nil {
		return fail(end, "", "no pipeline { ... } block: only declarative Jenkinsfiles can be imported")
	}
	return c.pipeline(pipeline)
}

// sections reads a block of named sections, each at most once.
func sections(body *closure, depth int) ([]*stmt, map[string]*stmt, error) {
	list, err := parseClosure(body, depth)
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]*stmt{}
	for _, s := range list {
		if s.Assign != nil {
			return nil, nil, errAt(s.Pos, "an assignment (%s = ...) is only supported in environment { ... }", s.Name)
		}
		if _, dup := seen[s.Name]; dup {
			return nil, nil, errAt(s.Pos, "a second %q section", s.Name)
		}
		seen[s.Name] = s
	}
	return list, seen, nil
}

func (c *converter) pipeline(p *stmt) error {
	list, sec, err := sections(p.Body, 1)
	if err != nil {
		return err
	}
	for _, s := range list {
		switch s.Name {
		case "agent", "environment", "parameters", "options", "stages", "post":
		case "script":
			return fail(s.Pos, "", "%q blocks are not supported %s", s.Name, unsupportedHint)
		case "triggers":
			return fail(s.Pos, "spec.triggers", "triggers { ... } is not supported: set the Pipeline's triggers instead")
		case "tools":
			return fail(s.Pos, "", "tools { ... } is not supported: install tools in the step's image or script")
		case "libraries":
			return fail(s.Pos, "", "libraries { ... } is not supported (shared libraries cannot be imported)")
		default:
			return fail(s.Pos, "", "pipeline section %q is not supported %s", s.Name, unsupportedHint)
		}
	}
	if s := sec["parameters"]; s != nil {
		if err := c.parameters(s); err != nil {
			return err
		}
	}
	if s := sec["agent"]; s != nil {
		if err := c.agent(s); err != nil {
			return err
		}
	} else {
		return fail(p.Pos, "", "the pipeline has no agent section (write agent any)")
	}
	env := scope{}
	if s := sec["environment"]; s != nil {
		vars, err := c.environment(s, env, "spec.definition.environment")
		if err != nil {
			return err
		}
		c.res.Definition.Environment = vars
	}
	var opts options
	if s := sec["options"]; s != nil {
		if opts, err = c.options(s, "spec.definition"); err != nil {
			return err
		}
		if opts.timeout != nil {
			if opts.timeout.Duration > maxRunTimeout {
				return fail(opts.timeoutPos, "spec.definition.timeout", "the pipeline's timeout is longer than 24 hours")
			}
			c.res.Definition.Timeout = opts.timeout
		}
		if opts.hasRetry {
			c.runRetry = &opts.retry
			c.warn(opts.retryPos, "the pipeline's retry(%d) is imported as a retry of each stage that sets none (a definition has no retry of the whole run)", opts.retry+1)
		}
	}
	st := sec["stages"]
	if st == nil {
		return fail(p.Pos, "spec.definition.stages", "the pipeline has no stages { ... } section")
	}
	if err := c.stages(st, env); err != nil {
		return err
	}
	if s := sec["post"]; s != nil {
		c.warn(s.Pos, "post { ... } is ignored: a definition has no post actions (put them in a last stage, or use the run's status)")
	}
	return nil
}

// agent accepts any and none; other agents are ignored with a warning.
func (c *converter) agent(s *stmt) error {
	if s.Body == nil && len(s.Args) == 1 && s.Args[0].Name == "" && s.Args[0].Val.Kind == vName {
		switch s.Args[0].Val.Text {
		case "any", "none":
			return nil
		}
	}
	if s.Body != nil && len(s.Args) == 0 {
		c.warn(s.Pos, "agent { ... } is ignored: steps run on the pipeline's executor (set a step's image instead)")
		return nil
	}
	return fail(s.Pos, "", "this agent form is not supported (write agent any, agent none or agent { ... })")
}

// scope holds the variables an environment value may name: their values,
// or ok false for credentials.
type scope map[string]envVal

type envVal struct {
	value string
	ok    bool
}

// environment reads NAME = value assignments; env gains them.
func (c *converter) environment(s *stmt, env scope, field string) ([]devopsv1alpha3.EnvVar, error) {
	if s.Body == nil || len(s.Args) > 0 {
		return nil, fail(s.Pos, field, "environment must be a block: environment { NAME = 'value' }")
	}
	list, err := parseClosure(s.Body, 2)
	if err != nil {
		return nil, err
	}
	var out []devopsv1alpha3.EnvVar
	seen := map[string]bool{}
	for _, a := range list {
		f := fmt.Sprintf("%s[%d]", field, len(out))
		if a.Assign == nil {
			return nil, fail(a.Pos, f, "only NAME = value is supported in environment { ... }")
		}
		if !varName.MatchString(a.Name) || len(a.Name) > maxVarNameLen {
			return nil, fail(a.Pos, f, "%q is not a valid variable name (letters, digits and _, at most %d)", a.Name, maxVarNameLen)
		}
		if seen[a.Name] {
			return nil, fail(a.Pos, f, "variable %s is set twice", a.Name)
		}
		seen[a.Name] = true
		if len(out) == maxEnv {
			return nil, fail(a.Pos, f, "more than %d environment variables", maxEnv)
		}
		v := a.Assign
		ev := devopsv1alpha3.EnvVar{Name: a.Name}
		switch {
		case v.Kind == vCall && v.Text == "credentials":
			id, err := onlyString(v, "credentials", f)
			if err != nil {
				return nil, err
			}
			if id == "" || len(id) > maxCredLen {
				return nil, fail(v.Pos, f, "a credential id must have 1 to %d characters", maxCredLen)
			}
			ev.Credential = &devopsv1alpha3.CredentialKeyRef{Name: id, Key: credentialKey}
			env[a.Name] = envVal{}
		case v.Kind == vString:
			val, err := c.envString(v, env, f)
			if err != nil {
				return nil, err
			}
			if len(val) > maxValueLen {
				return nil, fail(v.Pos, f, "the value of %s is longer than %d bytes", a.Name, maxValueLen)
			}
			ev.Value = val
			env[a.Name] = envVal{value: val, ok: true}
		default:
			return nil, fail(v.Pos, f, "an environment value must be a string or credentials('id')")
		}
		out = append(out, ev)
	}
	return out, nil
}

// onlyString reads the single string argument of a call.
func onlyString(v *value, what, field string) (string, error) {
	if len(v.Args) != 1 || v.Args[0].Name != "" {
		return "", fail(v.Pos, field, "%s takes one string", what)
	}
	return plain(v.Args[0].Val, what, field)
}

// plain returns a string value that has no interpolation.
func plain(v *value, what, field string) (string, error) {
	if v.Kind != vString {
		return "", fail(v.Pos, field, "%s must be a string", what)
	}
	var sb strings.Builder
	for _, p := range v.Parts {
		if p.Interp {
			return "", fail(p.Pos, field, "%s cannot use ${...}", what)
		}
		sb.WriteString(p.Text)
	}
	return sb.String(), nil
}

// interpolation names what a ${...} refers to: a parameter, or a variable.
func interpolation(p part, field string) (name string, param bool, err error) {
	t := p.Text
	switch {
	case strings.HasPrefix(t, "params."):
		name, param = strings.TrimPrefix(t, "params."), true
	case strings.HasPrefix(t, "env."):
		name = strings.TrimPrefix(t, "env.")
	default:
		name = t
	}
	if !varName.MatchString(name) {
		return "", false, fail(p.Pos, field, "unsupported ${%s}: only ${NAME}, ${env.NAME} and ${params.NAME} are supported", t)
	}
	return name, param, nil
}

// envString is an environment value: variables defined earlier are put in,
// parameters stay ${params.NAME} (the run puts them in).
func (c *converter) envString(v *value, env scope, field string) (string, error) {
	var sb strings.Builder
	for _, p := range v.Parts {
		if !p.Interp {
			sb.WriteString(p.Text)
			continue
		}
		name, param, err := interpolation(p, field)
		if err != nil {
			return "", err
		}
		if param {
			if !c.params[name] {
				return "", fail(p.Pos, field, "${params.%s}: no parameter %s is declared", name, name)
			}
			sb.WriteString("${params." + name + "}")
			continue
		}
		ev, found := env[name]
		switch {
		case found && ev.ok:
			sb.WriteString(ev.value)
		case found:
			return "", fail(p.Pos, field, "${%s}: %s is a credential and cannot be put in another variable", p.Text, name)
		case c.params[name]:
			sb.WriteString("${params." + name + "}")
		default:
			return "", fail(p.Pos, field, "${%s}: %s is not a variable set earlier in the Jenkinsfile nor a parameter (Jenkins' own variables are not imported)", p.Text, name)
		}
	}
	return sb.String(), nil
}

// parameters reads the parameters section.
func (c *converter) parameters(s *stmt) error {
	if s.Body == nil || len(s.Args) > 0 {
		return fail(s.Pos, "spec.parameters", "parameters must be a block: parameters { string(name: 'X') }")
	}
	list, err := parseClosure(s.Body, 2)
	if err != nil {
		return err
	}
	for i, ps := range list {
		f := fmt.Sprintf("spec.parameters[%d]", i)
		if i == maxParameters {
			return fail(ps.Pos, f, "more than %d parameters", maxParameters)
		}
		switch ps.Name {
		case "string", "text", "booleanParam", "choice":
		default:
			return fail(ps.Pos, f, "parameter type %q is not supported (supported: string, text, booleanParam, choice)", ps.Name)
		}
		if ps.Body != nil || ps.Assign != nil {
			return fail(ps.Pos, f, "a parameter is %s(name: 'NAME', ...)", ps.Name)
		}
		var p devopsv1alpha3.Parameter
		var choicesSeen bool
		for _, a := range ps.Args {
			switch a.Name {
			case "name":
				if p.Name, err = plain(a.Val, "a parameter's name", f); err != nil {
					return err
				}
			case "description":
				if p.Description, err = plain(a.Val, "a parameter's description", f); err != nil {
					return err
				}
				if utf8.RuneCountInString(p.Description) > maxDescLen {
					return fail(a.Pos, f, "the description is longer than %d characters", maxDescLen)
				}
			case "defaultValue":
				if ps.Name == "choice" {
					return fail(a.Pos, f, "choice has no defaultValue (its default is the first choice)")
				}
				if ps.Name == "booleanParam" {
					if a.Val.Kind != vBool {
						return fail(a.Val.Pos, f, "booleanParam's defaultValue must be true or false")
					}
					p.Default = strconv.FormatBool(a.Val.Bool)
					continue
				}
				if p.Default, err = plain(a.Val, "a parameter's defaultValue", f); err != nil {
					return err
				}
				if len(p.Default) > maxValueLen {
					return fail(a.Pos, f, "the defaultValue is longer than %d bytes", maxValueLen)
				}
			case "choices":
				if ps.Name != "choice" {
					return fail(a.Pos, f, "only choice has choices")
				}
				choicesSeen = true
				if p.Choices, err = choices(a.Val, f); err != nil {
					return err
				}
			case "trim":
				if ps.Name != "string" {
					return fail(a.Pos, f, "only string has trim")
				}
				c.warn(a.Pos, "trim is ignored: parameter values are used as given")
			case "":
				return fail(a.Pos, f, "parameter arguments are named: %s(name: 'NAME', ...)", ps.Name)
			default:
				return fail(a.Pos, f, "parameter argument %q is not supported", a.Name)
			}
		}
		if !varName.MatchString(p.Name) || len(p.Name) > maxVarNameLen {
			return fail(ps.Pos, f, "parameter name %q is not valid (letters, digits and _, at most %d)", p.Name, maxVarNameLen)
		}
		if c.params[p.Name] {
			return fail(ps.Pos, f, "parameter %s is declared twice", p.Name)
		}
		c.params[p.Name] = true
		switch ps.Name {
		case "choice":
			if !choicesSeen || len(p.Choices) == 0 {
				return fail(ps.Pos, f, "choice %s has no choices", p.Name)
			}
			p.Default = p.Choices[0]
		case "booleanParam":
			if p.Default == "" {
				p.Default = "false"
			}
		}
		c.res.Parameters = append(c.res.Parameters, p)
	}
	return nil
}

// choices reads ['a', 'b'] or 'a\nb'.
func choices(v *value, field string) ([]string, error) {
	var out []string
	switch v.Kind {
	case vList:
		for _, e := range v.List {
			s, err := plain(e, "a choice", field)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
	case vString:
		s, err := plain(v, "choices", field)
		if err != nil {
			return nil, err
		}
		out = strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	default:
		return nil, fail(v.Pos, field, "choices must be a list of strings or one string with a choice per line")
	}
	if len(out) > maxChoices {
		return nil, fail(v.Pos, field, "more than %d choices", maxChoices)
	}
	for _, s := range out {
		if len(s) > maxValueLen {
			return nil, fail(v.Pos, field, "a choice is longer than %d bytes", maxValueLen)
		}
	}
	return out, nil
}

// options are the supported options of a pipeline or stage.
type options struct {
	timeout    *metav1.Duration
	timeoutPos pos
	retry      int32
	hasRetry   bool
	retryPos   pos
}

func (c *converter) options(s *stmt, field string) (options, error) {
	var o options
	if s.Body == nil || len(s.Args) > 0 {
		return o, fail(s.Pos, field, "options must be a block: options { timeout(time: 10, unit: 'MINUTES') }")
	}
	list, err := parseClosure(s.Body, 3)
	if err != nil {
		return o, err
	}
	for _, os := range list {
		switch os.Name {
		case "timeout":
			if os.Body != nil {
				return o, fail(os.Pos, field, "timeout in options takes no block")
			}
			d, err := duration(os, field+".timeout")
			if err != nil {
				return o, err
			}
			o.timeout, o.timeoutPos = d, os.Pos
		case "retry":
			if os.Body != nil {
				return o, fail(os.Pos, field, "retry in options takes no block")
			}
			n, err := retryCount(os, field+".retry")
			if err != nil {
				return o, err
			}
			o.retry, o.hasRetry, o.retryPos = n, true, os.Pos
		default:
			c.warn(os.Pos, "option %s is ignored", os.Name)
		}
	}
	return o, nil
}

var units = map[string]time.Duration{
	"NANOSECONDS":  time.Nanosecond,
	"MICROSECONDS": time.Microsecond,
	"MILLISECONDS": time.Millisecond,
	"SECONDS":      time.Second,
	"MINUTES":      time.Minute,
	"HOURS":        time.Hour,
	"DAYS":         24 * time.Hour,
}

// duration reads timeout(time: N, unit: 'UNIT') or timeout(N) (minutes).
func duration(s *stmt, field string) (*metav1.Duration, error) {
	var n int64 = -1
	unit := time.Minute
	for _, a := range s.Args {
		switch a.Name {
		case "", "time":
			if a.Val.Kind != vNumber {
				return nil, fail(a.Val.Pos, field, "timeout's time must be a whole number")
			}
			v, err := strconv.ParseInt(a.Val.Text, 10, 32)
			if err != nil || v < 1 {
				return nil, fail(a.Val.Pos, field, "timeout's time must be a whole number above 0")
			}
			n = v
		case "unit":
			u, err := plain(a.Val, "timeout's unit", field)
			if err != nil {
				return nil, err
			}
			d, ok := units[u]
			if !ok {
				return nil, fail(a.Val.Pos, field, "unknown timeout unit %q (use SECONDS, MINUTES, HOURS or DAYS)", u)
			}
			unit = d
		case "activity":
			return nil, fail(a.Pos, field, "timeout's activity is not supported (only a fixed time is)")
		default:
			return nil, fail(a.Pos, field, "timeout argument %q is not supported", a.Name)
		}
	}
	if n < 0 {
		return nil, fail(s.Pos, field, "timeout needs a time: timeout(time: 10, unit: 'MINUTES')")
	}
	d := time.Duration(n) * unit
	if d/unit != time.Duration(n) || d > 365*24*time.Hour {
		return nil, fail(s.Pos, field, "the timeout is too long")
	}
	if d < time.Second {
		return nil, fail(s.Pos, field, "the timeout is shorter than a second")
	}
	return &metav1.Duration{Duration: d}, nil
}

// retryCount reads retry(N): N attempts in all, so N-1 more.
func retryCount(s *stmt, field string) (int32, error) {
	if len(s.Args) != 1 || (s.Args[0].Name != "" && s.Args[0].Name != "count") || s.Args[0].Val.Kind != vNumber {
		return 0, fail(s.Pos, field, "retry takes a number of attempts: retry(3)")
	}
	v, err := strconv.ParseInt(s.Args[0].Val.Text, 10, 32)
	if err != nil || v < 1 || v > maxRetry+1 {
		return 0, fail(s.Args[0].Val.Pos, field, "retry's count must be 1 to %d (attempts in all)", maxRetry+1)
	}
	return int32(v - 1), nil
}
