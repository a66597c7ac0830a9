package builtin

import (
	"testing"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
)

func TestEveryRoleNamesExistingTemplatesOfItsScope(t *testing.T) {
	byName := TemplatesByName()
	check := func(scope iamv1beta1.Level, roles []Role) {
		for _, r := range roles {
			for _, name := range r.Templates {
				tpl, ok := byName[name]
				if !ok {
					t.Errorf("role %s names the missing template %s", r.Name, name)
					continue
				}
				if tpl.Scope != scope {
					t.Errorf("role %s (%s) names template %s of scope %s", r.Name, scope, name, tpl.Scope)
				}
			}
		}
	}
	check(iamv1beta1.LevelGlobal, GlobalRoles())
	check(iamv1beta1.LevelWorkspace, WorkspaceRoles())
	check(iamv1beta1.LevelNamespace, ProjectRoles())
	check(iamv1beta1.LevelNamespace, DevOpsRoles())
	check(iamv1beta1.LevelCluster, []Role{{Name: ClusterViewer, Templates: ClusterViewerTemplates()}})
}

func TestEveryTemplateIsTranslatedAndItsDependenciesExist(t *testing.T) {
	byName := TemplatesByName()
	if len(byName) != len(Templates()) {
		t.Fatal("two templates share a name")
	}
	for _, tpl := range Templates() {
		for _, lang := range []string{"en", "ko", "zh"} {
			if tpl.DisplayName[lang] == "" || tpl.Description[lang] == "" {
				t.Errorf("template %s lacks a %s name or description", tpl.Name, lang)
			}
		}
		if len(tpl.Rules) == 0 {
			t.Errorf("template %s grants nothing", tpl.Name)
		}
		for _, d := range tpl.Dependencies {
			if dep, ok := byName[d]; !ok || dep.Scope != tpl.Scope {
				t.Errorf("template %s depends on %s, which is missing or of another scope", tpl.Name, d)
			}
		}
	}
}
