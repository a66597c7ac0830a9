package runner

import (
	"fmt"
	"os"
	"sort"
	"strings"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/devops/engine"
)

// env is a chain of environments, the innermost last.
type env struct {
	parent *env
	vars   []devopsv1alpha3.EnvVar
}

func newEnv(run *engine.Run) *env {
	e := &env{}
	if run.Definition != nil {
		e = e.with(run.Definition.Environment)
	}
	return e
}

func (e *env) with(vars []devopsv1alpha3.EnvVar) *env {
	if len(vars) == 0 {
		return e
	}
	return &env{parent: e, vars: vars}
}

// builtins are the variables every step gets.
func builtins(run *engine.Run) map[string]string {
	m := map[string]string{
		"PIPELINE_NAME": run.Pipeline,
		"RUN_NAME":      run.Key.Name,
		"PROJECT_NAME":  run.Key.Namespace,
		"BRANCH_NAME":   run.Revision.Branch,
	}
	if run.Revision.Commit != "" {
		m["GIT_COMMIT"] = run.Revision.Commit
	}
	for k, v := range run.Params {
		m[k] = v
	}
	return m
}

// resolve returns the environment as KEY=VALUE, sorted: the built-ins and
// parameters, then the definition's, stage's and step's variables (inner
// ones win), with ${params.X} and ${X} of earlier values expanded.
func (e *env) resolve(run *engine.Run) ([]string, error) {
	m := builtins(run)
	var chain []*env
	for c := e; c != nil; c = c.parent {
		chain = append(chain, c)
	}
	for i := len(chain) - 1; i >= 0; i-- {
		for _, v := range chain[i].vars {
			if v.Credential != nil {
				val, ok := run.Credentials[v.Credential.Name][v.Credential.Key]
				if !ok {
					return nil, fmt.Errorf("variable %s: credential %q has no key %q", v.Name, v.Credential.Name, v.Credential.Key)
				}
				m[v.Name] = string(val)
				continue
			}
			m[v.Name] = expand(v.Value, m, run.Params)
		}
	}
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out, nil
}

// lookup returns one variable's value.
func (e *env) lookup(run *engine.Run, name string) (string, bool) {
	vars, err := e.resolve(run)
	if err != nil {
		return "", false
	}
	for _, kv := range vars {
		if k, v, _ := strings.Cut(kv, "="); k == name {
			return v, true
		}
	}
	return "", false
}

func expand(s string, vars, params map[string]string) string {
	return os.Expand(s, func(name string) string {
		if p, ok := strings.CutPrefix(name, "params."); ok {
			return params[p]
		}
		if v, ok := vars[name]; ok {
			return v
		}
		return "${" + name + "}"
	})
}

// ExpandEnv expands ${VAR} in s from a step's environment (KEY=VALUE);
// GIT_COMMIT_SHORT is derived from GIT_COMMIT when it is not given.
func ExpandEnv(s string, env []string) string {
	m := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	if _, given := m["GIT_COMMIT_SHORT"]; !given {
		if c, ok := m["GIT_COMMIT"]; ok {
			m["GIT_COMMIT_SHORT"] = c[:min(len(c), 12)]
		}
	}
	return os.Expand(s, func(k string) string { return m[k] })
}
