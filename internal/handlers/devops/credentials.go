package devops

import (
	"errors"
	"net/http"
	"slices"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/devops/definition"
	"github.com/superkube/super-kubenetes/internal/devops/jenkinsfile"
	"github.com/superkube/super-kubenetes/internal/iam/builtin"
)

// Credential is a credential as the API shows it: never its values.
type Credential struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Type              string   `json:"type"`
	Keys              []string `json:"keys"`
}

// CredentialInput is a credential as the API takes it: data in plain text.
type CredentialInput struct {
	metav1.ObjectMeta `json:"metadata"`
	Type              string            `json:"type"`
	Data              map[string]string `json:"data"`
}

var credentialList = listquery.Spec{SortBy: []string{"type"}, Filters: []string{"type"}}

func credentialOf(s *corev1.Secret) *Credential {
	keys := make([]string, 0, len(s.Data))
	for k := range s.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	meta := metav1.ObjectMeta{Name: s.Name, Namespace: s.Namespace, UID: s.UID, ResourceVersion: s.ResourceVersion,
		CreationTimestamp: s.CreationTimestamp, Labels: s.Labels}
	return &Credential{TypeMeta: metav1.TypeMeta{APIVersion: devopsv1alpha3.GroupVersion.String(), Kind: "Credential"},
		ObjectMeta: meta, Type: string(s.Type), Keys: keys}
}

func (h *Handler) mayCredentials(r *http.Request, verb string) bool {
	return h.allowed(r, authz.Attributes{Verb: verb, APIGroup: Group, Resource: builtin.CredentialsResource, Namespace: r.PathValue("namespace")})
}

func (h *Handler) listCredentials(w http.ResponseWriter, r *http.Request) {
	q, err := listquery.Parse(r.URL.Query(), credentialList)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if !h.mayCredentials(r, "list") {
		responsewriters.WriteStatus(w, forbidden(r, "credentials", "list the credentials of "+r.PathValue("namespace")))
		return
	}
	var list corev1.SecretList
	if err := h.Writer.List(r.Context(), &list, client.InNamespace(r.PathValue("namespace"))); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	items := []*Credential{}
	for i := range list.Items {
		if _, ok := devopsv1alpha3.CredentialKeys[string(list.Items[i].Type)]; ok {
			items = append(items, credentialOf(&list.Items[i]))
		}
	}
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(items, q,
		listquery.Columns[*Credential]{"type": func(c *Credential) string { return c.Type }},
		listquery.Filters[*Credential]{"type": func(c *Credential, v string) bool { return c.Type == v }}))
}

func (h *Handler) getCredential(w http.ResponseWriter, r *http.Request) {
	if !h.mayCredentials(r, "get") {
		responsewriters.WriteStatus(w, forbidden(r, "credentials", "read the credentials of "+r.PathValue("namespace")))
		return
	}
	s := &corev1.Secret{}
	if err := h.Writer.Get(r.Context(), client.ObjectKey{Namespace: r.PathValue("namespace"), Name: r.PathValue("name")}, s); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if _, ok := devopsv1alpha3.CredentialKeys[string(s.Type)]; !ok {
		responsewriters.WriteStatus(w, notACredential(s.Name))
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, credentialOf(s))
}

func notACredential(name string) error {
	return apistatus.New(http.StatusNotFound, metav1.StatusReasonNotFound, "credential "+name+" not found")
}

// decodeCredential reads and checks a credential.
func decodeCredential(r *http.Request) (*corev1.Secret, error) {
	in := &CredentialInput{}
	// Secret: a body that cannot be decoded is not quoted back.
	if err := requestbody.Decode(r, in, requestbody.Options{Kind: "Credential", Strict: true, Secret: true}); err != nil {
		return nil, err
	}
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Subdomain(in.Name) {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), in.Name, msg))
	}
	keys, ok := devopsv1alpha3.CredentialKeys[in.Type]
	if !ok {
		types := make([]string, 0, len(devopsv1alpha3.CredentialKeys))
		for t := range devopsv1alpha3.CredentialKeys {
			types = append(types, t)
		}
		sort.Strings(types)
		errs = append(errs, field.NotSupported(field.NewPath("type"), in.Type, types))
	}
	for _, k := range keys {
		optional := in.Type == devopsv1alpha3.CredentialSSHAuth && k == "username"
		if in.Data[k] == "" && !optional {
			errs = append(errs, field.Required(field.NewPath("data", k), "a "+in.Type+" credential needs it"))
		}
	}
	for k := range in.Data {
		if ok && !slices.Contains(keys, k) {
			errs = append(errs, field.NotSupported(field.NewPath("data", k), "(value not shown)", keys))
		}
	}
	if len(errs) > 0 {
		return nil, apistatus.Invalid("Credential", in.Name, errs)
	}
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: in.Name, Namespace: r.PathValue("namespace"), Labels: in.Labels},
		Type: corev1.SecretType(in.Type), StringData: in.Data}
	return s, nil
}

// createCredential writes the Secret as the caller.
func (h *Handler) createCredential(w http.ResponseWriter, r *http.Request) {
	s, err := decodeCredential(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	c, err := h.as(r)
	if err == nil {
		err = c.Create(r.Context(), s)
	}
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusCreated, credentialOf(s))
}

// updateCredential replaces the values (and keeps the type).
func (h *Handler) updateCredential(w http.ResponseWriter, r *http.Request) {
	s, err := decodeCredential(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if s.Name != r.PathValue("name") {
		responsewriters.WriteStatus(w, apistatus.Invalid("Credential", s.Name, field.ErrorList{field.Invalid(field.NewPath("metadata", "name"), s.Name, "must be the name in the path")}))
		return
	}
	c, err := h.as(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	old := &corev1.Secret{}
	if err := c.Get(r.Context(), client.ObjectKeyFromObject(s), old); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if old.Type != s.Type {
		responsewriters.WriteStatus(w, apistatus.Invalid("Credential", s.Name, field.ErrorList{field.Forbidden(field.NewPath("type"), "the type of a credential cannot change; delete it and create it again")}))
		return
	}
	old.Data, old.StringData = nil, s.StringData
	if err := c.Update(r.Context(), old); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, credentialOf(old))
}

func (h *Handler) deleteCredential(w http.ResponseWriter, r *http.Request) {
	c, err := h.as(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	s := &corev1.Secret{}
	key := client.ObjectKey{Namespace: r.PathValue("namespace"), Name: r.PathValue("name")}
	if err := c.Get(r.Context(), key, s); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if _, ok := devopsv1alpha3.CredentialKeys[string(s.Type)]; !ok {
		responsewriters.WriteStatus(w, notACredential(s.Name))
		return
	}
	if err := c.Delete(r.Context(), s, client.Preconditions{UID: &s.UID}); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteDeleted(w, devopsv1alpha3.GroupVersion.WithResource("credentials").GroupResource(), s.Name)
}

// secretsOf reads the credential values of a run, to mask its logs.
func (h *Handler) secretsOf(r *http.Request, run *devopsv1alpha3.PipelineRun) [][]byte {
	def := run.Status.Definition
	if def == nil {
		def = run.Spec.Definition
	}
	var names []string
	if def != nil {
		names = definition.Credentials(def)
	}
	p := &devopsv1alpha3.Pipeline{}
	if err := h.Writer.Get(r.Context(), client.ObjectKey{Namespace: run.Namespace, Name: run.Spec.Pipeline}, p); err == nil && p.Spec.Source != nil && p.Spec.Source.Credential != "" {
		names = append(names, p.Spec.Source.Credential)
	}
	var out [][]byte
	for _, n := range names {
		s := &corev1.Secret{}
		if err := h.Writer.Get(r.Context(), client.ObjectKey{Namespace: run.Namespace, Name: n}, s); err != nil {
			continue
		}
		for _, v := range s.Data {
			out = append(out, v)
		}
	}
	return out
}

// parseDefinition turns the YAML of a definition into JSON, or a 422
// naming the line and the field of each mistake.
func (h *Handler) parseDefinition(w http.ResponseWriter, r *http.Request) {
	body, err := readText(r, definition.MaxBytes)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	def, errs := definition.Parse(body, definition.Path())
	if len(errs) > 0 {
		responsewriters.WriteStatus(w, apistatus.Invalid("Definition", "", errs))
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, def)
}

// importJenkinsfile turns a declarative Jenkinsfile into a definition and
// parameters, or a 422 naming the line and the construct refused.
func (h *Handler) importJenkinsfile(w http.ResponseWriter, r *http.Request) {
	body, err := readText(r, jenkinsfile.MaxSize)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	res, err := jenkinsfile.Parse(body)
	var jerr *jenkinsfile.Error
	switch {
	case errors.As(err, &jerr):
		responsewriters.WriteStatus(w, apistatus.Invalid("Jenkinsfile", "", field.ErrorList{jerr.FieldError()}))
	case err != nil:
		responsewriters.WriteStatus(w, apistatus.Invalid("Jenkinsfile", "", field.ErrorList{field.Invalid(definition.Path(), nil, err.Error())}))
	default:
		responsewriters.WriteJSON(w, http.StatusOK, res)
	}
}
