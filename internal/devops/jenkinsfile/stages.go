package jenkinsfile

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
)

func (c *converter) stages(s *stmt, env scope) error {
	const field = "spec.definition.stages"
	if s.Body == nil || len(s.Args) > 0 {
		return fail(s.Pos, field, "stages must be a block: stages { stage('name') { ... } }")
	}
	list, err := parseClosure(s.Body, 2)
	if err != nil {
		return err
	}
	for i, ss := range list {
		f := fmt.Sprintf("%s[%d]", field, i)
		if ss.Name != "stage" {
			return fail(ss.Pos, f, "only stage('name') { ... } is supported in stages, not %q", ss.Name)
		}
		if i == maxStages {
			return fail(ss.Pos, f, "more than %d stages", maxStages)
		}
		b, par, err := c.stage(ss, env, f, true)
		if err != nil {
			return err
		}
		st := devopsv1alpha3.Stage{
			Name: b.Name, When: b.When, Environment: b.Environment,
			Timeout: b.Timeout, Retry: b.Retry, Steps: b.Steps, Parallel: par,
		}
		c.res.Definition.Stages = append(c.res.Definition.Stages, st)
	}
	if len(list) == 0 {
		return fail(s.Pos, field, "stages has no stage")
	}
	return nil
}

// stage reads stage('name') { ... }: as a Branch (whose Steps are the
// stage's) and, when top is set and it has them, its parallel branches.
func (c *converter) stage(s *stmt, env scope, field string, top bool) (devopsv1alpha3.Branch, []devopsv1alpha3.Branch, error) {
	var b devopsv1alpha3.Branch
	if len(s.Args) != 1 || s.Args[0].Name != "" || s.Body == nil {
		return b, nil, fail(s.Pos, field, "a stage is stage('name') { ... }")
	}
	name, err := plain(s.Args[0].Val, "a stage's name", field+".name")
	if err != nil {
		return b, nil, err
	}
	switch {
	case name == "":
		return b, nil, fail(s.Pos, field+".name", "a stage's name cannot be empty")
	case utf8.RuneCountInString(name) > maxNameLen:
		return b, nil, fail(s.Pos, field+".name", "stage name %q is longer than %d characters", name, maxNameLen)
	}
	if prev, dup := c.names[name]; dup {
		return b, nil, fail(s.Pos, field+".name", "stage name %q is already used on line %d", name, prev.Line)
	}
	c.names[name] = s.Pos
	b.Name = name

	list, sec, err := sections(s.Body, 3)
	if err != nil {
		return b, nil, err
	}
	for _, x := range list {
		switch x.Name {
		case "agent", "when", "environment", "options", "input", "steps", "post":
		case "parallel":
			if !top {
				return b, nil, fail(x.Pos, field, "parallel inside a parallel branch is not supported")
			}
		case "script":
			return b, nil, fail(x.Pos, field, "%q blocks are not supported %s", x.Name, unsupportedHint)
		case "stages":
			return b, nil, fail(x.Pos, field, "sequential stages (stages inside a stage) are not supported")
		case "matrix":
			return b, nil, fail(x.Pos, field, "matrix is not supported")
		case "tools":
			return b, nil, fail(x.Pos, field, "tools { ... } is not supported: install tools in the step's image or script")
		case "failFast":
			c.warn(x.Pos, "failFast is ignored: a stage fails when one of its branches fails")
		default:
			return b, nil, fail(x.Pos, field, "stage section %q is not supported %s", x.Name, unsupportedHint)
		}
	}
	if x := sec["agent"]; x != nil {
		if err := c.agent(x); err != nil {
			return b, nil, err
		}
	}
	if x := sec["when"]; x != nil {
		if b.When, err = c.when(x, field+".when"); err != nil {
			return b, nil, err
		}
	}
	env = maps.Clone(env)
	if x := sec["environment"]; x != nil {
		if b.Environment, err = c.environment(x, env, field+".environment"); err != nil {
			return b, nil, err
		}
	}
	ownRetry := false
	if x := sec["options"]; x != nil {
		o, err := c.options(x, field)
		if err != nil {
			return b, nil, err
		}
		b.Timeout, b.Retry, ownRetry = o.timeout, o.retry, o.hasRetry
	}
	if top && !ownRetry && c.runRetry != nil {
		// The pipeline's retry, for a stage that sets none.
		b.Retry = *c.runRetry
	}
	if x := sec["post"]; x != nil {
		c.warn(x.Pos, "post { ... } is ignored: a definition has no post actions")
	}
	steps, par := sec["steps"], sec["parallel"]
	switch {
	case steps != nil && par != nil:
		return b, nil, fail(par.Pos, field, "a stage has either steps or parallel, not both")
	case steps == nil && par == nil:
		return b, nil, fail(s.Pos, field, "stage %q has no steps { ... } and no parallel { ... }", name)
	}
	sl := &stepList{field: field, counts: map[string]int{}, env: env}
	if x := sec["input"]; x != nil {
		if par != nil {
			return b, nil, fail(x.Pos, field, "input in a stage with parallel branches is not supported (put it in a branch)")
		}
		if err := c.stageInput(x, sl); err != nil {
			return b, nil, err
		}
	}
	if par != nil {
		branches, err := c.parallel(par, env, field)
		return b, branches, err
	}
	if steps.Body == nil || len(steps.Args) > 0 {
		return b, nil, fail(steps.Pos, field+".steps", "steps must be a block: steps { sh '...' }")
	}
	if err := c.steps(steps.Body, sl, wrap{}, 4); err != nil {
		return b, nil, err
	}
	if len(sl.steps) == 0 {
		return b, nil, fail(steps.Pos, field+".steps", "stage %q has no steps", name)
	}
	b.Steps = sl.steps
	return b, nil, nil
}

func (c *converter) parallel(s *stmt, env scope, field string) ([]devopsv1alpha3.Branch, error) {
	if s.Body == nil || len(s.Args) > 0 {
		return nil, fail(s.Pos, field+".parallel", "parallel must be a block: parallel { stage('a') { ... } }")
	}
	list, err := parseClosure(s.Body, 4)
	if err != nil {
		return nil, err
	}
	var out []devopsv1alpha3.Branch
	for i, bs := range list {
		f := fmt.Sprintf("%s.parallel[%d]", field, i)
		if bs.Name != "stage" {
			return nil, fail(bs.Pos, f, "only stage('name') { ... } is supported in parallel, not %q", bs.Name)
		}
		if i == maxBranches {
			return nil, fail(bs.Pos, f, "more than %d parallel branches", maxBranches)
		}
		b, _, err := c.stage(bs, env, f, false)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	if len(out) == 0 {
		return nil, fail(s.Pos, field+".parallel", "parallel has no stage")
	}
	return out, nil
}

// stageInput is a stage's input { message '...' }: an input step first.
func (c *converter) stageInput(s *stmt, sl *stepList) error {
	f := sl.next()
	if s.Body == nil || len(s.Args) > 0 {
		return fail(s.Pos, f, "a stage's input is a block: input { message 'Deploy?' }")
	}
	list, err := parseClosure(s.Body, 4)
	if err != nil {
		return err
	}
	var args []arg
	for _, x := range list {
		if x.Body != nil || len(x.Args) != 1 {
			return fail(x.Pos, f, "input's %s takes one value", x.Name)
		}
		args = append(args, arg{Name: x.Name, Pos: x.Pos, Val: x.Args[0].Val})
	}
	return c.input(&stmt{Pos: s.Pos, Name: "input", Args: args}, sl, wrap{})
}

func (c *converter) when(s *stmt, field string) (*devopsv1alpha3.When, error) {
	if s.Body == nil || len(s.Args) > 0 {
		return nil, fail(s.Pos, field, "when must be a block: when { branch 'main' }")
	}
	list, err := parseClosure(s.Body, 4)
	if err != nil {
		return nil, err
	}
	w := &devopsv1alpha3.When{}
	seen := map[string]bool{}
	for _, x := range list {
		if seen[x.Name] {
			return nil, fail(x.Pos, field, "a second %s condition in one when is not supported (a stage holds one of each)", x.Name)
		}
		seen[x.Name] = true
		switch x.Name {
		case "branch":
			if w.Branch, err = branchGlob(x, field+".branch"); err != nil {
				return nil, err
			}
		case "environment":
			var m devopsv1alpha3.EnvMatch
			for _, a := range x.Args {
				switch a.Name {
				case "name":
					m.Name, err = plain(a.Val, "environment's name", field)
				case "value":
					m.Value, err = plain(a.Val, "environment's value", field)
				default:
					return nil, fail(a.Pos, field+".environment", "environment condition argument %q is not supported (only name and value are)", a.Name)
				}
				if err != nil {
					return nil, err
				}
			}
			if x.Body != nil || !varName.MatchString(m.Name) {
				return nil, fail(x.Pos, field+".environment", "the environment condition is environment name: 'NAME', value: 'value'")
			}
			w.Environment = &m
		case "expression":
			m, err := c.expression(x, field+".parameter")
			if err != nil {
				return nil, err
			}
			w.Parameter = m
		case "beforeAgent", "beforeInput", "beforeOptions":
			// The condition is always checked before the stage starts.
		default:
			return nil, fail(x.Pos, field, "when condition %q is not supported (supported: branch, environment, expression { params.NAME == 'value' })", x.Name)
		}
	}
	if *w == (devopsv1alpha3.When{}) {
		return nil, fail(s.Pos, field, "when has no condition")
	}
	return w, nil
}

// branchGlob reads branch 'glob' or branch pattern: 'glob', comparator: ...
func branchGlob(s *stmt, field string) (string, error) {
	var pattern, comparator string
	var err error
	for _, a := range s.Args {
		switch a.Name {
		case "", "pattern":
			pattern, err = plain(a.Val, "a branch pattern", field)
		case "comparator":
			comparator, err = plain(a.Val, "a branch comparator", field)
		default:
			return "", fail(a.Pos, field, "branch argument %q is not supported", a.Name)
		}
		if err != nil {
			return "", err
		}
	}
	if s.Body != nil || pattern == "" {
		return "", fail(s.Pos, field, "the branch condition is branch 'pattern'")
	}
	switch comparator {
	case "", "GLOB":
		if strings.Contains(pattern, "**") {
			return "", fail(s.Pos, field, "branch pattern %q: ** is not supported (a pattern is matched with path.Match)", pattern)
		}
	case "EQUALS":
		var sb strings.Builder
		for _, r := range pattern {
			if strings.ContainsRune(`*?[]\`, r) {
				sb.WriteByte('\\')
			}
			sb.WriteRune(r)
		}
		pattern = sb.String()
	default:
		return "", fail(s.Pos, field, "branch comparator %q is not supported (only GLOB and EQUALS are)", comparator)
	}
	if _, err := path.Match(pattern, ""); err != nil {
		return "", fail(s.Pos, field, "branch pattern %q is not valid", pattern)
	}
	if len(pattern) > maxBranchGlob {
		return "", fail(s.Pos, field, "branch pattern is longer than %d characters", maxBranchGlob)
	}
	return pattern, nil
}

// expression reads expression { params.NAME == 'value' }, the only form
// that maps to the definition.
func (c *converter) expression(s *stmt, field string) (*devopsv1alpha3.ParameterMatch, error) {
	refuse := fail(s.Pos, field, "only expression { params.NAME == 'value' } is supported (other Groovy expressions are not)")
	if s.Body == nil || len(s.Args) > 0 {
		return nil, refuse
	}
	var toks []token
	for _, t := range s.Body.Toks {
		if t.Kind == tNewline || t.Kind == tPunct && t.Text == ";" {
			continue
		}
		toks = append(toks, t)
	}
	if len(toks) != 5 || toks[0].Kind != tIdent || toks[0].Text != "params" ||
		toks[1].Kind != tPunct || toks[1].Text != "." || toks[2].Kind != tIdent ||
		toks[3].Kind != tPunct || toks[3].Text != "==" || toks[4].Kind != tString {
		return nil, refuse
	}
	name := toks[2].Text
	val, err := plain(&value{Kind: vString, Pos: toks[4].Pos, Parts: toks[4].Parts}, "the compared value", field)
	if err != nil {
		return nil, err
	}
	if !c.params[name] {
		return nil, fail(toks[2].Pos, field, "params.%s: no parameter %s is declared", name, name)
	}
	return &devopsv1alpha3.ParameterMatch{Name: name, Value: val}, nil
}

// stepList collects the steps of a stage or branch.
type stepList struct {
	field  string
	steps  []devopsv1alpha3.Step
	counts map[string]int
	env    scope
}

// next is the field of the next step.
func (sl *stepList) next() string {
	return fmt.Sprintf("%s.steps[%d]", sl.field, len(sl.steps))
}

// add appends a step named after its kind, with the wrappers' settings.
func (sl *stepList) add(at pos, kind string, st devopsv1alpha3.Step, w wrap) error {
	if len(sl.steps) == maxSteps {
		return fail(at, sl.next(), "more than %d steps", maxSteps)
	}
	sl.counts[kind]++
	st.Name = fmt.Sprintf("%s-%d", kind, sl.counts[kind])
	st.Timeout = w.timeout
	st.Retry = w.retry
	if len(w.env) > 0 || len(st.Environment) > 0 {
		env := append([]devopsv1alpha3.EnvVar(nil), w.env...)
		for _, e := range st.Environment {
			if !hasVar(env, e.Name) {
				env = append(env, e)
			}
		}
		if len(env) > maxEnv {
			return fail(at, sl.next(), "more than %d environment variables", maxEnv)
		}
		st.Environment = env
	}
	sl.steps = append(sl.steps, st)
	return nil
}

func hasVar(env []devopsv1alpha3.EnvVar, name string) bool {
	for _, e := range env {
		if e.Name == name {
			return true
		}
	}
	return false
}

// wrap is what enclosing timeout, retry, dir and withCredentials blocks
// give the steps inside them.
type wrap struct {
	timeout  *metav1.Duration
	retry    int32
	hasRetry bool
	dir      string
	env      []devopsv1alpha3.EnvVar
}

const supportedSteps = "sh, echo, checkout scm, git, input, archiveArtifacts, timeout, retry, dir, withCredentials"

func (c *converter) steps(body *closure, sl *stepList, w wrap, depth int) error {
	list, err := parseClosure(body, depth)
	if err != nil {
		return err
	}
	for _, s := range list {
		f := sl.next()
		if s.Assign != nil {
			return fail(s.Pos, f, "assignments (%s = ...) are not supported in steps %s", s.Name, unsupportedHint)
		}
		switch s.Name {
		case "sh":
			err = c.sh(s, sl, w)
		case "echo":
			err = c.echo(s, sl, w)
		case "checkout":
			err = c.checkout(s, sl, w)
		case "git":
			err = c.git(s, sl, w)
		case "input":
			err = c.input(s, sl, w)
		case "archiveArtifacts":
			err = c.archive(s, sl, w)
		case "timeout":
			if s.Body == nil {
				return fail(s.Pos, f, "timeout in steps wraps steps: timeout(time: 5, unit: 'MINUTES') { ... }")
			}
			d, err := duration(s, f+".timeout")
			if err != nil {
				return err
			}
			inner := w
			if w.timeout == nil || d.Duration < w.timeout.Duration {
				inner.timeout = d
			}
			if err := c.steps(s.Body, sl, inner, depth+1); err != nil {
				return err
			}
		case "retry":
			if s.Body == nil {
				return fail(s.Pos, f, "retry in steps wraps steps: retry(3) { ... }")
			}
			if w.hasRetry {
				return fail(s.Pos, f, "retry inside retry is not supported")
			}
			n, err := retryCount(s, f+".retry")
			if err != nil {
				return err
			}
			inner := w
			inner.retry, inner.hasRetry = n, true
			if err := c.steps(s.Body, sl, inner, depth+1); err != nil {
				return err
			}
		case "dir":
			if s.Body == nil || len(s.Args) != 1 || s.Args[0].Name != "" && s.Args[0].Name != "path" {
				return fail(s.Pos, f, "dir is dir('path') { ... }")
			}
			d, err := plain(s.Args[0].Val, "dir's path", f)
			if err != nil {
				return err
			}
			clean := path.Clean(d)
			if d == "" || path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
				return fail(s.Pos, f, "dir(%q): only a relative folder inside the workspace is supported", d)
			}
			inner := w
			inner.dir = path.Join(w.dir, clean)
			if err := c.steps(s.Body, sl, inner, depth+1); err != nil {
				return err
			}
		case "withCredentials":
			inner, err := c.withCredentials(s, w, f)
			if err != nil {
				return err
			}
			if err := c.steps(s.Body, sl, inner, depth+1); err != nil {
				return err
			}
		case "script":
			return fail(s.Pos, f, "%q blocks are not supported %s", s.Name, unsupportedHint)
		case "stage", "parallel", "node":
			return fail(s.Pos, f, "%s inside steps (scripted syntax) is not supported", s.Name)
		default:
			return fail(s.Pos, f, "step %q is not supported (supported: %s)", s.Name, supportedSteps)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// stepArg returns the value of the first positional argument or of the
// named one, and refuses other arguments not in allowed.
func stepArg(s *stmt, field, name string, allowed ...string) (*value, map[string]*value, error) {
	var v *value
	named := map[string]*value{}
	for i, a := range s.Args {
		switch {
		case a.Name == "" && i == 0:
			v = a.Val
		case a.Name == name:
			v = a.Val
		case a.Name != "" && slices.Contains(allowed, a.Name):
			named[a.Name] = a.Val
		case a.Name == "":
			return nil, nil, fail(a.Pos, field, "%s takes one unnamed argument", s.Name)
		default:
			return nil, nil, fail(a.Pos, field, "%s argument %q is not supported", s.Name, a.Name)
		}
	}
	if v == nil {
		return nil, nil, fail(s.Pos, field, "%s needs %s", s.Name, name)
	}
	return v, named, nil
}

func noBody(s *stmt, field string) error {
	if s.Body != nil {
		return fail(s.Body.Pos, field, "%s takes no block", s.Name)
	}
	return nil
}

func (c *converter) sh(s *stmt, sl *stepList, w wrap) error {
	f := sl.next()
	if err := noBody(s, f); err != nil {
		return err
	}
	for _, a := range s.Args {
		if a.Name == "returnStdout" || a.Name == "returnStatus" {
			return fail(a.Pos, f, "sh's %s is not supported (its result could only be used in a script block)", a.Name)
		}
	}
	v, named, err := stepArg(s, f, "script", "label")
	if err != nil {
		return err
	}
	if named["label"] != nil {
		c.warn(s.Pos, "sh's label is ignored (the step is named %s-%d)", "sh", sl.counts["sh"]+1)
	}
	if v.Kind != vString {
		return fail(v.Pos, f+".shell.script", "sh's script must be a string")
	}
	var script strings.Builder
	var env []devopsv1alpha3.EnvVar
	for _, p := range v.Parts {
		if !p.Interp {
			script.WriteString(p.Text)
			continue
		}
		name, param, err := interpolation(p, f+".shell.script")
		if err != nil {
			return err
		}
		if param {
			if !c.params[name] {
				return fail(p.Pos, f+".shell.script", "${params.%s}: no parameter %s is declared", name, name)
			}
			if !hasVar(env, name) {
				env = append(env, devopsv1alpha3.EnvVar{Name: name, Value: "${params." + name + "}"})
			}
		}
		script.WriteString("${" + name + "}")
	}
	text := script.String()
	if strings.TrimSpace(text) == "" {
		return fail(v.Pos, f+".shell.script", "sh's script is empty")
	}
	if w.dir != "" {
		text = "cd " + shellQuote(w.dir) + "\n" + text
	}
	if len(text) > maxScriptLen {
		return fail(v.Pos, f+".shell.script", "the script is longer than %d bytes", maxScriptLen)
	}
	return sl.add(s.Pos, "sh", devopsv1alpha3.Step{Shell: &devopsv1alpha3.ShellStep{Script: text}, Environment: env}, w)
}

// shellQuote quotes s as one shell word.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// echo 'x' becomes a shell step that prints x: literal text is quoted,
// interpolated variables are expanded by the shell.
func (c *converter) echo(s *stmt, sl *stepList, w wrap) error {
	f := sl.next()
	if err := noBody(s, f); err != nil {
		return err
	}
	v, _, err := stepArg(s, f, "message")
	if err != nil {
		return err
	}
	var word strings.Builder
	var env []devopsv1alpha3.EnvVar
	switch v.Kind {
	case vString:
		for _, p := range v.Parts {
			if !p.Interp {
				word.WriteString(shellQuote(p.Text))
				continue
			}
			name, param, err := interpolation(p, f+".shell.script")
			if err != nil {
				return err
			}
			if param {
				if !c.params[name] {
					return fail(p.Pos, f+".shell.script", "${params.%s}: no parameter %s is declared", name, name)
				}
				if !hasVar(env, name) {
					env = append(env, devopsv1alpha3.EnvVar{Name: name, Value: "${params." + name + "}"})
				}
			}
			word.WriteString(`"${` + name + `}"`)
		}
	case vNumber:
		word.WriteString(shellQuote(v.Text))
	default:
		return fail(v.Pos, f, "echo's message must be a string")
	}
	if word.Len() == 0 {
		word.WriteString("''")
	}
	script := "printf '%s\\n' " + word.String()
	if len(script) > maxScriptLen {
		return fail(v.Pos, f+".shell.script", "the message is longer than %d bytes", maxScriptLen)
	}
	return sl.add(s.Pos, "echo", devopsv1alpha3.Step{Shell: &devopsv1alpha3.ShellStep{Script: script}, Environment: env}, w)
}

func (c *converter) checkout(s *stmt, sl *stepList, w wrap) error {
	f := sl.next()
	if err := noBody(s, f); err != nil {
		return err
	}
	if len(s.Args) != 1 || s.Args[0].Name != "" || s.Args[0].Val.Kind != vName || s.Args[0].Val.Text != "scm" {
		return fail(s.Pos, f, "only checkout scm is supported (the pipeline's source at the run's revision)")
	}
	return c.addCheckout(s.Pos, sl, w, "checkout")
}

func (c *converter) addCheckout(at pos, sl *stepList, w wrap, kind string) error {
	if len(w.dir) > maxPathLen {
		return fail(at, sl.next()+".checkout.dir", "the folder is longer than %d characters", maxPathLen)
	}
	return sl.add(at, kind, devopsv1alpha3.Step{Checkout: &devopsv1alpha3.CheckoutStep{Dir: w.dir}}, w)
}

// git url: ..., branch: ... is a checkout of the pipeline's source.
func (c *converter) git(s *stmt, sl *stepList, w wrap) error {
	f := sl.next()
	if err := noBody(s, f); err != nil {
		return err
	}
	v, named, err := stepArg(s, f, "url", "branch", "credentialsId", "changelog", "poll")
	if err != nil {
		return err
	}
	url, err := plain(v, "git's url", f)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("git %s is imported as a checkout of the pipeline's source at the run's revision: set the pipeline's source to this repository", url)
	if b := named["branch"]; b != nil {
		msg += "; the branch is the run's, not the one named here"
	}
	if named["credentialsId"] != nil {
		msg += "; the source's credential is used"
	}
	c.warn(s.Pos, "%s", msg)
	return c.addCheckout(s.Pos, sl, w, "git")
}

func (c *converter) input(s *stmt, sl *stepList, w wrap) error {
	f := sl.next()
	if err := noBody(s, f); err != nil {
		return err
	}
	for _, a := range s.Args {
		if a.Name == "parameters" {
			return fail(a.Pos, f, "input's parameters are not supported (an approval is yes or no)")
		}
	}
	v, named, err := stepArg(s, f, "message", "id", "ok", "submitter", "submitterParameter")
	if err != nil {
		return err
	}
	msg, err := plain(v, "input's message", f+".input.message")
	if err != nil {
		return err
	}
	if msg == "" || utf8.RuneCountInString(msg) > maxMessageLen {
		return fail(v.Pos, f+".input.message", "input's message must have 1 to %d characters", maxMessageLen)
	}
	for _, k := range []string{"ok", "submitter", "submitterParameter"} {
		if named[k] != nil {
			c.warn(s.Pos, "input's %s is ignored (who may approve is the project's roles)", k)
		}
	}
	return sl.add(s.Pos, "input", devopsv1alpha3.Step{Input: &devopsv1alpha3.InputStep{Message: msg}}, w)
}

func (c *converter) archive(s *stmt, sl *stepList, w wrap) error {
	f := sl.next()
	if err := noBody(s, f); err != nil {
		return err
	}
	v, named, err := stepArg(s, f, "artifacts", "allowEmptyArchive", "fingerprint", "onlyIfSuccessful", "excludes", "caseSensitive", "defaultExcludes", "followSymlinks")
	if err != nil {
		return err
	}
	list, err := plain(v, "archiveArtifacts' artifacts", f+".artifacts.paths")
	if err != nil {
		return err
	}
	if named["excludes"] != nil {
		return fail(s.Pos, f, "archiveArtifacts' excludes is not supported")
	}
	for k := range named {
		c.warn(s.Pos, "archiveArtifacts' %s is ignored", k)
	}
	var paths []string
	for p := range strings.SplitSeq(list, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if w.dir != "" {
			p = path.Join(w.dir, p)
		}
		if len(p) > maxPathLen {
			return fail(v.Pos, f+".artifacts.paths", "artifact path %q is longer than %d characters", p, maxPathLen)
		}
		paths = append(paths, p)
	}
	if len(paths) == 0 || len(paths) > maxPaths {
		return fail(v.Pos, f+".artifacts.paths", "archiveArtifacts needs 1 to %d paths", maxPaths)
	}
	return sl.add(s.Pos, "archive", devopsv1alpha3.Step{Artifacts: &devopsv1alpha3.ArtifactsStep{Paths: paths}}, w)
}

// withCredentials([string(...), usernamePassword(...)]) { ... } gives the
// wrapped steps variables that hold credential keys.
func (c *converter) withCredentials(s *stmt, w wrap, f string) (wrap, error) {
	if s.Body == nil || len(s.Args) != 1 || s.Args[0].Name != "" || s.Args[0].Val.Kind != vList {
		return w, fail(s.Pos, f, "withCredentials is withCredentials([string(credentialsId: 'id', variable: 'NAME')]) { ... }")
	}
	inner := w
	inner.env = append([]devopsv1alpha3.EnvVar(nil), w.env...)
	for _, b := range s.Args[0].Val.List {
		if b.Kind != vCall {
			return w, fail(b.Pos, f, "a credential binding is string(...) or usernamePassword(...)")
		}
		args := map[string]string{}
		for _, a := range b.Args {
			if a.Name == "" {
				return w, fail(a.Pos, f, "%s's arguments are named", b.Text)
			}
			v, err := plain(a.Val, b.Text+"'s "+a.Name, f)
			if err != nil {
				return w, err
			}
			args[a.Name] = v
		}
		var want map[string]string // variable argument → key
		switch b.Text {
		case "string":
			want = map[string]string{"variable": credentialKey}
		case "usernamePassword":
			want = map[string]string{"usernameVariable": usernameKey, "passwordVariable": passwordKey}
		default:
			return w, fail(b.Pos, f, "credential binding %q is not supported (only string and usernamePassword are)", b.Text)
		}
		id := args["credentialsId"]
		if id == "" || len(id) > maxCredLen {
			return w, fail(b.Pos, f, "%s needs a credentialsId of 1 to %d characters", b.Text, maxCredLen)
		}
		for k := range args {
			if _, ok := want[k]; !ok && k != "credentialsId" {
				return w, fail(b.Pos, f, "%s argument %q is not supported", b.Text, k)
			}
		}
		for _, k := range []string{"variable", "usernameVariable", "passwordVariable"} {
			key, ok := want[k]
			if !ok {
				continue
			}
			name := args[k]
			if !varName.MatchString(name) || len(name) > maxVarNameLen {
				return w, fail(b.Pos, f, "%s needs %s, a valid variable name", b.Text, k)
			}
			if hasVar(inner.env, name) {
				return w, fail(b.Pos, f, "variable %s is bound twice", name)
			}
			inner.env = append(inner.env, devopsv1alpha3.EnvVar{Name: name, Credential: &devopsv1alpha3.CredentialKeyRef{Name: id, Key: key}})
		}
	}
	return inner, nil
}
