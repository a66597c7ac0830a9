package application

import (
	"context"
	"errors"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	applicationv2 "github.com/superkube/super-kubenetes/api/application/v2"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
)

var reposGR = schema.GroupResource{Group: Group, Resource: "repositories"}

// Credentials of a repository, given on create or update and kept in a
// Secret that no API returns.
type Credentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// repoBody is a Repository with optional credentials.
type repoBody struct {
	applicationv2.Repository `json:",inline"`
	Credentials              *Credentials `json:"credentials,omitempty"`
}

// credentialsSecretName is the Secret the API keeps a repository's
// credentials in.
func credentialsSecretName(repo string) string { return "apprepo-" + repo }

func (h *Handler) listRepos(w http.ResponseWriter, r *http.Request) {
	q, err := listquery.Parse(r.URL.Query(), listquery.Spec{})
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	ws := r.PathValue("workspace")
	if !h.allowed(r, "list", "repositories", ws) {
		responsewriters.WriteStatus(w, forbidden(r, "repositories", "list repositories "+where(ws)))
		return
	}
	var list applicationv2.RepositoryList
	if err := h.Reader.List(r.Context(), &list); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	items := []*applicationv2.Repository{}
	for i := range list.Items {
		if workspaceOf(&list.Items[i]) == ws {
			list.Items[i].ManagedFields = nil
			items = append(items, &list.Items[i])
		}
	}
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(items, q, nil, nil))
}

func (h *Handler) decodeRepo(r *http.Request) (*repoBody, error) {
	in := &repoBody{}
	if err := requestbody.Decode(r, in, requestbody.Options{Kind: "Repository", Secret: true}); err != nil {
		return nil, err
	}
	var errs field.ErrorList
	if in.Name == "" {
		errs = append(errs, field.Required(field.NewPath("metadata", "name"), ""))
	}
	if c := in.Credentials; c != nil && (c.Username == "" || len(c.Username) > 253 || len(c.Password) > 4096) {
		errs = append(errs, field.Invalid(field.NewPath("credentials", "username"), "", "a username (at most 253 characters) and a password (at most 4096) are needed"))
	}
	if len(errs) > 0 {
		return nil, apistatus.Invalid("Repository", in.Name, errs)
	}
	in.APIVersion, in.Kind = applicationv2.GroupVersion.String(), "Repository"
	return in, nil
}

// checkTrusted applies the rule the admission webhook applies on the
// Kubernetes path: only a platform administrator trusts a repository.
func (h *Handler) checkTrusted(r *http.Request, repo *applicationv2.Repository, old *applicationv2.Repository) error {
	if repo.Spec.Trusted && (old == nil || !old.Spec.Trusted) && !h.isAdmin(r) {
		return apierrors.NewForbidden(reposGR, repo.Name, errors.New("only a platform administrator may set spec.trusted, which puts a repository's charts in the store without review"))
	}
	if old != nil && old.Spec.Trusted && !repo.Spec.Trusted && !h.isAdmin(r) {
		return apierrors.NewForbidden(reposGR, repo.Name, errors.New("only a platform administrator may change spec.trusted"))
	}
	return nil
}

// checkSecret: a credentials Secret is one labelled for the repository.
func (h *Handler) checkSecret(ctx context.Context, repo *applicationv2.Repository, old *applicationv2.Repository) error {
	s := repo.Spec.CredentialsSecret
	if s == "" || (old != nil && old.Spec.CredentialsSecret == s) {
		return nil
	}
	sec := &corev1.Secret{}
	if err := h.LiveReader.Get(ctx, client.ObjectKey{Namespace: h.SystemNamespace, Name: s}, sec); err != nil || sec.Labels[applicationv2.RepositoryLabel] != repo.Name {
		return apistatus.Invalid("Repository", repo.Name, field.ErrorList{field.Invalid(field.NewPath("spec", "credentialsSecret"), s,
			"must name a Secret in "+h.SystemNamespace+" labelled "+applicationv2.RepositoryLabel+"="+repo.Name+" (or give credentials instead)")})
	}
	return nil
}

// saveCredentials writes the repository's credentials Secret, owned by
// the repository. An existing Secret of that name is overwritten only when
// it is this repository's (labelled for it, owned by no other object).
func (h *Handler) saveCredentials(ctx context.Context, repo *applicationv2.Repository, c *Credentials) error {
	key := client.ObjectKey{Namespace: h.SystemNamespace, Name: credentialsSecretName(repo.Name)}
	owner := metav1.OwnerReference{APIVersion: applicationv2.GroupVersion.String(), Kind: "Repository", Name: repo.Name, UID: repo.UID}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		sec := &corev1.Secret{}
		err := h.LiveReader.Get(ctx, key, sec)
		switch {
		case apierrors.IsNotFound(err):
			sec = &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}
		case err != nil:
			return err
		default:
			theirs := sec.Labels[applicationv2.RepositoryLabel] != repo.Name
			for _, o := range sec.OwnerReferences {
				theirs = theirs || o.UID != repo.UID
			}
			if theirs {
				return apierrors.NewConflict(schema.GroupResource{Resource: "secrets"}, key.Name,
					errors.New("a Secret of this name exists in "+key.Namespace+" and is not this repository's"))
			}
		}
		if sec.Labels == nil {
			sec.Labels = map[string]string{}
		}
		sec.Labels[applicationv2.RepositoryLabel] = repo.Name
		sec.Type = corev1.SecretTypeOpaque
		sec.Data = map[string][]byte{"username": []byte(c.Username), "password": []byte(c.Password)}
		sec.OwnerReferences = []metav1.OwnerReference{owner}
		if sec.ResourceVersion == "" {
			return h.Writer.Create(ctx, sec)
		}
		return h.Writer.Update(ctx, sec)
	})
}

func (h *Handler) createRepo(w http.ResponseWriter, r *http.Request) {
	ws := r.PathValue("workspace")
	if !h.allowed(r, "create", "repositories", ws) {
		responsewriters.WriteStatus(w, forbidden(r, "repositories", "create repositories "+where(ws)))
		return
	}
	in, err := h.decodeRepo(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	repo := &in.Repository
	repo.ResourceVersion, repo.UID = "", ""
	if repo.Spec.Trusted && !h.isAdmin(r) {
		responsewriters.WriteStatus(w, apierrors.NewForbidden(reposGR, repo.Name, errors.New("only a platform administrator may set spec.trusted")))
		return
	}
	if repo.Labels == nil {
		repo.Labels = map[string]string{}
	}
	delete(repo.Labels, applicationv2.WorkspaceLabel)
	if ws != "" {
		if err := h.Reader.Get(ctx, client.ObjectKey{Name: ws}, &tenantv1beta1.Workspace{}); err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		repo.Labels[applicationv2.WorkspaceLabel] = ws
	}
	if repo.Annotations == nil {
		repo.Annotations = map[string]string{}
	}
	repo.Annotations[tenantv1beta1.CreatorAnnotation] = caller(r).GetName()
	if in.Credentials != nil {
		repo.Spec.CredentialsSecret = credentialsSecretName(repo.Name)
	} else if err := h.checkSecret(ctx, repo, nil); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	repo.Status = applicationv2.RepositoryStatus{}
	if err := h.Writer.Create(ctx, repo); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	// The Secret is made once the repository exists, owned by it.
	if in.Credentials != nil {
		if err := h.saveCredentials(ctx, repo, in.Credentials); err != nil {
			_ = h.Writer.Delete(ctx, repo)
			responsewriters.WriteStatus(w, err)
			return
		}
	}
	repo.ManagedFields = nil
	responsewriters.WriteJSON(w, http.StatusCreated, repo)
}

// repo reads the path's repository and checks the verb at its level.
func (h *Handler) repo(r *http.Request, verb string) (*applicationv2.Repository, error) {
	name := r.PathValue("name")
	repo := &applicationv2.Repository{}
	if err := h.Reader.Get(r.Context(), client.ObjectKey{Name: name}, repo); err != nil {
		return nil, err
	}
	ws := workspaceOf(repo)
	if !h.allowed(r, verb, "repositories", ws) {
		if !h.allowed(r, "get", "repositories", ws) {
			return nil, notFound("repositories", name)
		}
		return nil, forbidden(r, "repositories", verb+" repositories "+where(ws))
	}
	repo.ManagedFields = nil
	return repo, nil
}

func (h *Handler) getRepo(w http.ResponseWriter, r *http.Request) {
	repo, err := h.repo(r, "get")
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, repo)
}

func (h *Handler) updateRepo(w http.ResponseWriter, r *http.Request) {
	old, err := h.repo(r, "update")
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	in, err := h.decodeRepo(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if in.Name != old.Name {
		responsewriters.WriteStatus(w, apistatus.BadRequest("metadata.name", "must be "+old.Name+", the name of the path"))
		return
	}
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	if err := h.checkTrusted(r, &in.Repository, old); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if in.Credentials != nil {
		in.Spec.CredentialsSecret = credentialsSecretName(old.Name)
		if err := h.saveCredentials(ctx, old, in.Credentials); err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
	} else if err := h.checkSecret(ctx, &in.Repository, old); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	out := &applicationv2.Repository{}
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := h.Writer.Get(ctx, client.ObjectKey{Name: old.Name}, out); err != nil {
			return err
		}
		out.Spec = in.Spec
		if in.Annotations != nil {
			for k, v := range in.Annotations {
				if k != tenantv1beta1.CreatorAnnotation {
					if out.Annotations == nil {
						out.Annotations = map[string]string{}
					}
					out.Annotations[k] = v
				}
			}
		}
		return h.Writer.Update(ctx, out)
	})
	writeObject(w, http.StatusOK, out, err)
}

func (h *Handler) deleteRepo(w http.ResponseWriter, r *http.Request) {
	repo, err := h.repo(r, "delete")
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	if err := h.Writer.Delete(ctx, repo); client.IgnoreNotFound(err) != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteDeleted(w, reposGR, repo.Name)
}

// syncRepo asks ke-controller-manager to sync the repository now.
func (h *Handler) syncRepo(w http.ResponseWriter, r *http.Request) {
	repo, err := h.repo(r, "update")
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	out := &applicationv2.Repository{}
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := h.Writer.Get(ctx, client.ObjectKey{Name: repo.Name}, out); err != nil {
			return err
		}
		now := metav1.NewTime(h.now().UTC().Truncate(1e9))
		out.Spec.SyncRequestedAt = &now
		return h.Writer.Update(ctx, out)
	})
	writeObject(w, http.StatusAccepted, out, err)
}
