// Package definition reads and checks pipeline definitions: Parse turns
// the YAML a person writes into a Definition, naming the line and the field
// of every mistake; Validate checks what the CRD's schema cannot (unique
// names, what a step needs); Credentials lists the credentials it names.
package definition

import (
	"fmt"
	"path"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	sigsyaml "sigs.k8s.io/yaml"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
)

// Path is the definition's place in a Pipeline.
func Path() *field.Path { return field.NewPath("spec", "definition") }

// MaxBytes bounds a definition's YAML.
const MaxBytes = 512 << 10

// Parse reads a definition from YAML (or JSON). Its errors name the line
// and the field: "line 7: spec.definition.stages[0].steps[1].retry:
// Invalid value: ...". Validate's checks are included.
func Parse(text []byte, fld *field.Path) (*devopsv1alpha3.Definition, field.ErrorList) {
	if len(text) > MaxBytes {
		return nil, field.ErrorList{field.TooLong(fld, "", MaxBytes)}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil {
		return nil, field.ErrorList{field.Invalid(fld, "", strings.TrimPrefix(err.Error(), "yaml: "))}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, field.ErrorList{field.Required(fld, "the definition is empty")}
	}
	if errs := check(doc.Content[0], reflect.TypeFor[devopsv1alpha3.Definition](), fld); len(errs) > 0 {
		return nil, errs
	}
	def := &devopsv1alpha3.Definition{}
	if err := sigsyaml.UnmarshalStrict(text, def); err != nil {
		return nil, field.ErrorList{field.Invalid(fld, "", err.Error())}
	}
	if errs := Validate(def, fld); len(errs) > 0 {
		return nil, withLines(errs, doc.Content[0], fld)
	}
	return def, nil
}

var durationType = reflect.TypeFor[*metav1.Duration]()

// check walks the YAML against the Go type, refusing unknown fields and
// values of the wrong kind, with their line.
func check(n *yaml.Node, t reflect.Type, fld *field.Path) field.ErrorList {
	for t.Kind() == reflect.Pointer {
		if t == durationType {
			break
		}
		t = t.Elem()
	}
	at := func(e *field.Error) *field.Error {
		e.Detail = fmt.Sprintf("line %d: %s", n.Line, e.Detail)
		return e
	}
	if n.Kind == yaml.AliasNode {
		return check(n.Alias, t, fld)
	}
	if n.Tag == "!!null" {
		return nil
	}
	if t == durationType {
		if n.Kind != yaml.ScalarNode {
			return field.ErrorList{at(field.Invalid(fld, "", "must be a duration such as 10m or 1h30m"))}
		}
		if _, err := time.ParseDuration(n.Value); err != nil {
			return field.ErrorList{at(field.Invalid(fld, n.Value, "must be a duration such as 10m or 1h30m"))}
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return field.ErrorList{at(field.Invalid(fld, "", "must be a mapping"))}
		}
		fields := jsonFields(t)
		var errs field.ErrorList
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			ft, ok := fields[k.Value]
			if !ok {
				e := field.NotSupported(fld.Child(k.Value), k.Value, sortedKeys(fields))
				e.Detail = fmt.Sprintf("line %d: unknown field; %s", k.Line, e.Detail)
				errs = append(errs, e)
				continue
			}
			errs = append(errs, check(v, ft, fld.Child(k.Value))...)
		}
		return errs
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return field.ErrorList{at(field.Invalid(fld, "", "must be a list"))}
		}
		var errs field.ErrorList
		for i, c := range n.Content {
			errs = append(errs, check(c, t.Elem(), fld.Index(i))...)
		}
		return errs
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			return field.ErrorList{at(field.Invalid(fld, "", "must be a string"))}
		}
	case reflect.Int32, reflect.Int64, reflect.Int:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			return field.ErrorList{at(field.Invalid(fld, n.Value, "must be an integer"))}
		}
		if _, err := strconv.ParseInt(n.Value, 0, 32); err != nil {
			return field.ErrorList{at(field.Invalid(fld, n.Value, "must be an integer"))}
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			return field.ErrorList{at(field.Invalid(fld, n.Value, "must be true or false"))}
		}
	}
	return nil
}

func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		out[name] = f.Type
	}
	return out
}

func sortedKeys(m map[string]reflect.Type) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// withLines adds the YAML line of each error's field.
func withLines(errs field.ErrorList, root *yaml.Node, base *field.Path) field.ErrorList {
	prefix := base.String()
	for _, e := range errs {
		rel := strings.TrimPrefix(strings.TrimPrefix(e.Field, prefix), ".")
		if line := lineOf(root, rel); line > 0 {
			e.Detail = fmt.Sprintf("line %d: %s", line, e.Detail)
		}
	}
	return errs
}

// lineOf finds the line of a field path such as stages[0].steps[1].name.
func lineOf(n *yaml.Node, p string) int {
	line := n.Line
	for p != "" {
		var part string
		part, p, _ = strings.Cut(p, ".")
		name, idx, hasIdx := strings.Cut(part, "[")
		if name != "" {
			found := false
			for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == name {
					line, n, found = n.Content[i].Line, n.Content[i+1], true
					break
				}
			}
			if !found {
				return line
			}
		}
		for hasIdx {
			var num string
			num, idx, _ = strings.Cut(idx, "]")
			i, err := strconv.Atoi(num)
			if err != nil || n.Kind != yaml.SequenceNode || i >= len(n.Content) {
				return line
			}
			n = n.Content[i]
			line = n.Line
			idx, hasIdx = strings.CutPrefix(idx, "[")
		}
	}
	return line
}

// Validate checks what the schema cannot: names unique where they must
// be, and that each stage and step can run.
func Validate(def *devopsv1alpha3.Definition, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(def.Stages) == 0 {
		errs = append(errs, field.Required(fld.Child("stages"), "a pipeline has at least one stage"))
	}
	stages := map[string]bool{}
	for i, s := range def.Stages {
		sp := fld.Child("stages").Index(i)
		errs = append(errs, checkName(sp.Child("name"), s.Name)...)
		if stages[s.Name] {
			errs = append(errs, field.Duplicate(sp.Child("name"), s.Name))
		}
		stages[s.Name] = true
		if (len(s.Steps) == 0) == (len(s.Parallel) == 0) {
			errs = append(errs, field.Invalid(sp, s.Name, "a stage has either steps or parallel branches"))
		}
		errs = append(errs, checkWhen(sp.Child("when"), s.When)...)
		errs = append(errs, checkSteps(sp.Child("steps"), s.Steps)...)
		branches := map[string]bool{}
		for j, b := range s.Parallel {
			bp := sp.Child("parallel").Index(j)
			errs = append(errs, checkName(bp.Child("name"), b.Name)...)
			if branches[b.Name] {
				errs = append(errs, field.Duplicate(bp.Child("name"), b.Name))
			}
			branches[b.Name] = true
			if len(b.Steps) == 0 {
				errs = append(errs, field.Required(bp.Child("steps"), "a branch has at least one step"))
			}
			errs = append(errs, checkWhen(bp.Child("when"), b.When)...)
			errs = append(errs, checkSteps(bp.Child("steps"), b.Steps)...)
		}
	}
	return errs
}

func checkName(fld *field.Path, name string) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(fld, "")}
	}
	if strings.ContainsAny(name, "/\\") || name == "." || name == ".." {
		return field.ErrorList{field.Invalid(fld, name, "must not contain / or \\ or be . or ..")}
	}
	return nil
}

func checkWhen(fld *field.Path, w *devopsv1alpha3.When) field.ErrorList {
	if w == nil || w.Branch == "" {
		return nil
	}
	if _, err := path.Match(w.Branch, ""); err != nil {
		return field.ErrorList{field.Invalid(fld.Child("branch"), w.Branch, "not a valid glob: "+err.Error())}
	}
	return nil
}

func checkSteps(fld *field.Path, steps []devopsv1alpha3.Step) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, s := range steps {
		p := fld.Index(i)
		kinds := 0
		for _, set := range []bool{s.Shell != nil, s.Checkout != nil, s.BuildImage != nil, s.Deploy != nil, s.Input != nil, s.CodeQuality != nil, s.Artifacts != nil} {
			if set {
				kinds++
			}
		}
		if kinds != 1 {
			errs = append(errs, field.Invalid(p, "", "a step has exactly one of shell, checkout, buildImage, deploy, input, codeQuality, artifacts"))
			continue
		}
		name := StepName(s, i)
		if s.Name != "" {
			errs = append(errs, checkName(p.Child("name"), s.Name)...)
		}
		if seen[name] {
			errs = append(errs, field.Duplicate(p.Child("name"), name))
		}
		seen[name] = true
		switch {
		case s.Shell != nil && strings.TrimSpace(s.Shell.Script) == "":
			errs = append(errs, field.Required(p.Child("shell", "script"), ""))
		case s.BuildImage != nil && s.BuildImage.Image == "":
			errs = append(errs, field.Required(p.Child("buildImage", "image"), ""))
		case s.Deploy != nil && (s.Deploy.Project == "" || len(s.Deploy.Manifests) == 0):
			errs = append(errs, field.Required(p.Child("deploy"), "project and manifests are required"))
		case s.Input != nil && s.Input.Message == "":
			errs = append(errs, field.Required(p.Child("input", "message"), ""))
		case s.Artifacts != nil && len(s.Artifacts.Paths) == 0:
			errs = append(errs, field.Required(p.Child("artifacts", "paths"), ""))
		}
		for _, pth := range append(pathsOf(s), "") {
			if strings.HasPrefix(pth, "/") || strings.HasPrefix(pth, "../") || pth == ".." || strings.Contains(pth, "/../") {
				errs = append(errs, field.Invalid(p, pth, "paths are relative to the workspace and stay in it"))
			}
		}
	}
	return errs
}

func pathsOf(s devopsv1alpha3.Step) []string {
	switch {
	case s.Checkout != nil:
		return []string{s.Checkout.Dir}
	case s.BuildImage != nil:
		return []string{s.BuildImage.Context}
	case s.Deploy != nil:
		return s.Deploy.Manifests
	case s.Artifacts != nil:
		return s.Artifacts.Paths
	}
	return nil
}

// Kind returns a step's kind (shell, checkout...), "" when none is set.
func Kind(s devopsv1alpha3.Step) string {
	switch {
	case s.Shell != nil:
		return "shell"
	case s.Checkout != nil:
		return "checkout"
	case s.BuildImage != nil:
		return "buildImage"
	case s.Deploy != nil:
		return "deploy"
	case s.Input != nil:
		return "input"
	case s.CodeQuality != nil:
		return "codeQuality"
	case s.Artifacts != nil:
		return "artifacts"
	}
	return ""
}

// StepName is a step's name: its own, or its kind and its position in its
// stage or branch, counted from 1 ("shell-2"). Every executor, the status
// and the approvals use it.
func StepName(s devopsv1alpha3.Step, i int) string {
	if s.Name != "" {
		return s.Name
	}
	kind := Kind(s)
	if kind == "" {
		kind = "unknown"
	}
	return fmt.Sprintf("%s-%d", kind, i+1)
}

// Credentials lists the credentials a definition names, sorted.
func Credentials(def *devopsv1alpha3.Definition) []string {
	set := map[string]bool{}
	addEnv := func(vars []devopsv1alpha3.EnvVar) {
		for _, v := range vars {
			if v.Credential != nil {
				set[v.Credential.Name] = true
			}
		}
	}
	addSteps := func(steps []devopsv1alpha3.Step) {
		for _, s := range steps {
			addEnv(s.Environment)
			if s.BuildImage != nil && s.BuildImage.PushCredential != "" {
				set[s.BuildImage.PushCredential] = true
			}
		}
	}
	addEnv(def.Environment)
	for _, st := range def.Stages {
		addEnv(st.Environment)
		addSteps(st.Steps)
		for _, b := range st.Parallel {
			addEnv(b.Environment)
			addSteps(b.Steps)
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Parameters are a run's parameters with the pipeline's defaults; an
// unknown parameter or a value outside the choices is refused.
func Parameters(declared []devopsv1alpha3.Parameter, given []devopsv1alpha3.ParamValue) (map[string]string, error) {
	errs := ParameterErrors(declared, given, field.NewPath("spec", "parameters"))
	if len(errs) > 0 {
		return nil, errs.ToAggregate()
	}
	out := map[string]string{}
	for _, d := range declared {
		out[d.Name] = d.Default
	}
	for _, g := range given {
		out[g.Name] = g.Value
	}
	return out, nil
}

// ParameterErrors checks a run's parameters against the pipeline's.
func ParameterErrors(declared []devopsv1alpha3.Parameter, given []devopsv1alpha3.ParamValue, fld *field.Path) field.ErrorList {
	byName := map[string]devopsv1alpha3.Parameter{}
	known := make([]string, 0, len(declared))
	for _, d := range declared {
		byName[d.Name] = d
		known = append(known, d.Name)
	}
	var errs field.ErrorList
	for i, g := range given {
		d, ok := byName[g.Name]
		if !ok {
			errs = append(errs, field.NotSupported(fld.Index(i).Child("name"), g.Name, known))
			continue
		}
		if len(d.Choices) > 0 && !slices.Contains(d.Choices, g.Value) {
			errs = append(errs, field.NotSupported(fld.Index(i).Child("value"), g.Value, d.Choices))
		}
	}
	return errs
}
