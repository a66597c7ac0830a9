package notification

import (
	"context"
	"errors"
	"net/http"
	"net/mail"
	"net/url"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	nv1 "github.com/superkube/super-kubenetes/api/notification/v2beta2"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/notification/sender"
)

// Credentials come with a config in requests, never in answers.
type Credentials struct {
	// Password of the SMTP server.
	Password string `json:"password,omitempty"`
	// URL of a webhook or chat service (it often holds a token).
	URL string `json:"url,omitempty"`
	// Token sent as a bearer token (webhook), or the signing secret
	// (DingTalk, Feishu).
	Token string `json:"token,omitempty"`
}

func (c *Credentials) empty() bool {
	return c == nil || (c.Password == "" && c.URL == "" && c.Token == "")
}

// Secret keys of the credentials.
const (
	keyPassword = "password"
	keyURL      = "url"
	keyToken    = "token"
)

// SecretName is the Secret of a config's credentials.
func SecretName(config string) string { return "notification-config-" + config }

// kind is what the generic handlers need of a resource.
type kind struct {
	resource, name string
	new            func() client.Object
	list           func(ctx context.Context, r client.Reader) ([]client.Object, error)
	typeOf         func(client.Object) string
	// decode reads a body: the object and, for configs, its credentials.
	decode func(r *http.Request) (client.Object, *Credentials, error)
	// validate checks the object in its scope (old is nil on create).
	validate func(ctx context.Context, h *Handler, sc scope, o, old client.Object, c *Credentials) field.ErrorList
}

var kinds = map[string]*kind{
	"configs": {resource: "configs", name: "Config", new: func() client.Object { return &nv1.Config{} },
		list: func(ctx context.Context, r client.Reader) ([]client.Object, error) {
			var l nv1.ConfigList
			err := r.List(ctx, &l)
			return items(l.Items), err
		},
		typeOf: func(o client.Object) string { return string(o.(*nv1.Config).Spec.Type) },
		decode: func(r *http.Request) (client.Object, *Credentials, error) {
			var b struct {
				nv1.Config
				Credentials *Credentials `json:"credentials,omitempty"`
			}
			err := requestbody.Decode(r, &b, requestbody.Options{Kind: "Config", Strict: true, Secret: true})
			return &b.Config, b.Credentials, err
		},
		validate: validateConfig},
	"receivers": {resource: "receivers", name: "Receiver", new: func() client.Object { return &nv1.Receiver{} },
		list: func(ctx context.Context, r client.Reader) ([]client.Object, error) {
			var l nv1.ReceiverList
			err := r.List(ctx, &l)
			return items(l.Items), err
		},
		typeOf: func(o client.Object) string { return string(o.(*nv1.Receiver).Spec.Type) },
		decode: decoder[nv1.Receiver]("Receiver"), validate: validateReceiver},
	"routers": {resource: "routers", name: "Router", new: func() client.Object { return &nv1.Router{} },
		list: func(ctx context.Context, r client.Reader) ([]client.Object, error) {
			var l nv1.RouterList
			err := r.List(ctx, &l)
			return items(l.Items), err
		},
		typeOf: func(client.Object) string { return "" },
		decode: decoder[nv1.Router]("Router"), validate: validateRouter},
	"silences": {resource: "silences", name: "Silence", new: func() client.Object { return &nv1.Silence{} },
		list: func(ctx context.Context, r client.Reader) ([]client.Object, error) {
			var l nv1.SilenceList
			err := r.List(ctx, &l)
			return items(l.Items), err
		},
		typeOf: func(client.Object) string { return "" },
		decode: decoder[nv1.Silence]("Silence"), validate: validateSilence},
}

func items[T any, PT interface {
	*T
	client.Object
}](list []T) []client.Object {
	out := make([]client.Object, len(list))
	for i := range list {
		out[i] = PT(&list[i])
	}
	return out
}

func decoder[T any, PT interface {
	*T
	client.Object
}](kindName string) func(r *http.Request) (client.Object, *Credentials, error) {
	return func(r *http.Request) (client.Object, *Credentials, error) {
		o := PT(new(T))
		err := requestbody.Decode(r, o, requestbody.Options{Kind: kindName, Strict: true})
		return o, nil, err
	}
}

// prepare sets what the server decides on an object: its scope's label,
// and no status.
func prepare(o client.Object, sc scope) {
	l := o.GetLabels()
	if l == nil {
		l = map[string]string{}
	}
	delete(l, nv1.UserLabel)
	if sc.owner != "" {
		l[nv1.UserLabel] = sc.owner
	}
	o.SetLabels(l)
	switch t := o.(type) {
	case *nv1.Config:
		t.Status = nv1.Status{}
	case *nv1.Receiver:
		t.Status = nv1.Status{}
	case *nv1.Router:
		t.Status = nv1.Status{}
	case *nv1.Silence:
		t.Status = nv1.Status{}
	}
}

func (h *Handler) create(k *kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sc, err := h.authorize(r, "create", k.resource, "")
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		o, creds, err := k.decode(r)
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		name := o.GetName()
		if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
			responsewriters.WriteStatus(w, apistatus.Invalid(k.name, name, field.ErrorList{field.Invalid(field.NewPath("metadata", "name"), name, errs[0])}))
			return
		}
		clean := &metav1.ObjectMeta{Name: name, Labels: o.GetLabels(), Annotations: o.GetAnnotations()}
		clean.DeepCopyInto(objectMeta(o))
		prepare(o, sc)
		if errs := k.validate(r.Context(), h, sc, o, nil, creds); len(errs) > 0 {
			responsewriters.WriteStatus(w, apistatus.Invalid(k.name, name, errs))
			return
		}
		cfg, isConfig := o.(*nv1.Config)
		if isConfig {
			setRefs(cfg, nil, creds)
		}
		if err := h.Client.Create(r.Context(), o); err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		if isConfig && !creds.empty() {
			if err := h.writeSecret(r.Context(), cfg, creds); err != nil {
				_ = h.Client.Delete(context.WithoutCancel(r.Context()), o)
				responsewriters.WriteStatus(w, err)
				return
			}
		}
		responsewriters.WriteJSON(w, http.StatusCreated, o)
	}
}

func objectMeta(o client.Object) *metav1.ObjectMeta {
	switch t := o.(type) {
	case *nv1.Config:
		return &t.ObjectMeta
	case *nv1.Receiver:
		return &t.ObjectMeta
	case *nv1.Router:
		return &t.ObjectMeta
	case *nv1.Silence:
		return &t.ObjectMeta
	}
	panic("unknown kind")
}

func (h *Handler) update(k *kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		sc, err := h.authorize(r, "update", k.resource, name)
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		old, err := h.read(r.Context(), k, sc, name)
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		o, creds, err := k.decode(r)
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		if o.GetName() != "" && o.GetName() != name {
			responsewriters.WriteStatus(w, apistatus.BadRequest("metadata.name", "must be "+name+" (the name in the URL) or empty"))
			return
		}
		meta := objectMeta(old).DeepCopy()
		meta.Labels, meta.Annotations = o.GetLabels(), o.GetAnnotations()
		if rv := o.GetResourceVersion(); rv != "" {
			meta.ResourceVersion = rv
		}
		meta.DeepCopyInto(objectMeta(o))
		prepare(o, sc)
		if errs := k.validate(r.Context(), h, sc, o, old, creds); len(errs) > 0 {
			responsewriters.WriteStatus(w, apistatus.Invalid(k.name, name, errs))
			return
		}
		if cfg, ok := o.(*nv1.Config); ok {
			setRefs(cfg, old.(*nv1.Config), creds)
			if !creds.empty() {
				if err := h.writeSecret(r.Context(), cfg, creds); err != nil {
					responsewriters.WriteStatus(w, err)
					return
				}
			}
		}
		if err := h.Client.Update(r.Context(), o); err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		responsewriters.WriteJSON(w, http.StatusOK, o)
	}
}

// setRefs points a config at its own Secret, whatever the request said:
// a config can never name another Secret. Credentials given now or kept
// from before (old) are referenced.
func setRefs(c, old *nv1.Config, creds *Credentials) {
	if creds == nil {
		creds = &Credentials{}
	}
	secret := SecretName(c.Name)
	had := func(key string) bool {
		if old == nil {
			return false
		}
		switch key {
		case keyPassword:
			return old.Spec.Email != nil && old.Spec.Email.PasswordSecret != nil
		case keyURL:
			return old.Spec.URL != nil
		default:
			return old.Spec.URL != nil && old.Spec.URL.TokenSecret != nil
		}
	}
	if c.Spec.Type == nv1.ChannelEmail {
		c.Spec.URL = nil
		if c.Spec.Email != nil {
			c.Spec.Email.PasswordSecret = nil
			if creds.Password != "" || had(keyPassword) {
				c.Spec.Email.PasswordSecret = &nv1.SecretKeyRef{Name: secret, Key: keyPassword}
			}
		}
		return
	}
	c.Spec.Email = nil
	c.Spec.URL = &nv1.URLConfig{URLSecret: nv1.SecretKeyRef{Name: secret, Key: keyURL}}
	if creds.Token != "" || had(keyToken) {
		c.Spec.URL.TokenSecret = &nv1.SecretKeyRef{Name: secret, Key: keyToken}
	}
}

// writeSecret stores the credentials given in the config's Secret, owned
// by the config, keeping the keys not given.
func (h *Handler) writeSecret(ctx context.Context, c *nv1.Config, creds *Credentials) error {
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: h.SecretNamespace, Name: SecretName(c.Name)}}
	_, err := controllerutil.CreateOrUpdate(ctx, h.Client, sec, func() error {
		if sec.Labels == nil {
			sec.Labels = map[string]string{}
		}
		sec.Labels[sender.ConfigSecretLabel] = c.Name
		sec.Type = corev1.SecretTypeOpaque
		if sec.Data == nil {
			sec.Data = map[string][]byte{}
		}
		for k, v := range map[string]string{keyPassword: creds.Password, keyURL: creds.URL, keyToken: creds.Token} {
			if v != "" {
				sec.Data[k] = []byte(v)
			}
		}
		sec.OwnerReferences = []metav1.OwnerReference{{APIVersion: nv1.GroupVersion.String(), Kind: "Config", Name: c.Name, UID: c.UID,
			BlockOwnerDeletion: ptr.To(false)}}
		return nil
	})
	if err != nil {
		// Never quote the Secret.
		var se apierrors.APIStatus
		if errors.As(err, &se) && se.Status().Code < 500 {
			return apierrors.NewInternalError(errors.New("writing the credentials' Secret failed: " + string(se.Status().Reason)))
		}
		return apierrors.NewInternalError(errors.New("writing the credentials' Secret failed"))
	}
	return nil
}

func validateConfig(_ context.Context, _ *Handler, _ scope, o, old client.Object, creds *Credentials) field.ErrorList {
	c := o.(*nv1.Config)
	var errs field.ErrorList
	spec := field.NewPath("spec")
	cp := field.NewPath("credentials")
	if creds == nil {
		creds = &Credentials{}
	}
	var was *nv1.Config
	if old != nil {
		was = old.(*nv1.Config)
	}
	switch c.Spec.Type {
	case nv1.ChannelEmail:
		e := c.Spec.Email
		if e == nil {
			return append(errs, field.Required(spec.Child("email"), "an email config needs the SMTP server"))
		}
		ep := spec.Child("email")
		if e.Host == "" {
			errs = append(errs, field.Required(ep.Child("host"), "the SMTP server's host"))
		}
		if e.Port < 1 || e.Port > 65535 {
			errs = append(errs, field.Invalid(ep.Child("port"), e.Port, "must be 1 to 65535"))
		}
		if _, err := mail.ParseAddress(e.From); err != nil {
			errs = append(errs, field.Invalid(ep.Child("from"), e.From, "must be an e-mail address"))
		}
		switch e.TLS {
		case "":
			e.TLS = nv1.TLSStartTLS
		case nv1.TLSStartTLS, nv1.TLSImplicit, nv1.TLSNone:
		default:
			errs = append(errs, field.NotSupported(ep.Child("tls"), e.TLS, []string{string(nv1.TLSStartTLS), string(nv1.TLSImplicit), string(nv1.TLSNone)}))
		}
		if creds.URL != "" {
			errs = append(errs, field.Forbidden(cp.Child("url"), "an email config has no URL"))
		}
		if creds.Token != "" {
			errs = append(errs, field.Forbidden(cp.Child("token"), "an email config has no token"))
		}
	case nv1.ChannelWebhook, nv1.ChannelSlack, nv1.ChannelTeams, nv1.ChannelDingTalk, nv1.ChannelFeishu, nv1.ChannelWeCom:
		if creds.URL == "" && (was == nil || was.Spec.URL == nil) {
			errs = append(errs, field.Required(cp.Child("url"), "a "+string(c.Spec.Type)+" config needs the service's URL"))
		}
		if creds.URL != "" {
			u, err := url.Parse(creds.URL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				// The URL is a credential: it is not quoted.
				errs = append(errs, field.Invalid(cp.Child("url"), "", "must be an http(s) URL"))
			}
		}
		if creds.Password != "" {
			errs = append(errs, field.Forbidden(cp.Child("password"), "only an email config has a password"))
		}
		if creds.Token != "" && c.Spec.Type != nv1.ChannelWebhook && c.Spec.Type != nv1.ChannelDingTalk && c.Spec.Type != nv1.ChannelFeishu {
			errs = append(errs, field.Forbidden(cp.Child("token"), "only webhook (bearer token), dingtalk and feishu (signing secret) configs take a token"))
		}
	default:
		errs = append(errs, field.NotSupported(spec.Child("type"), c.Spec.Type, channelTypes))
	}
	return errs
}

var channelTypes = []string{"email", "webhook", "slack", "teams", "dingtalk", "feishu", "wecom"}

func validateReceiver(ctx context.Context, h *Handler, sc scope, o, _ client.Object, _ *Credentials) field.ErrorList {
	r := o.(*nv1.Receiver)
	var errs field.ErrorList
	spec := field.NewPath("spec")
	if r.Spec.Config == "" {
		errs = append(errs, field.Required(spec.Child("config"), "the config to send through"))
	} else {
		var c nv1.Config
		switch err := h.Client.Get(ctx, client.ObjectKey{Name: r.Spec.Config}, &c); {
		case apierrors.IsNotFound(err):
			errs = append(errs, field.NotFound(spec.Child("config"), r.Spec.Config))
		case err != nil:
			errs = append(errs, field.InternalError(spec.Child("config"), errors.New("the config cannot be read")))
		case c.Labels[nv1.UserLabel] != "" && c.Labels[nv1.UserLabel] != sc.owner:
			errs = append(errs, field.NotFound(spec.Child("config"), r.Spec.Config))
		case c.Spec.Type != r.Spec.Type:
			errs = append(errs, field.Invalid(spec.Child("config"), r.Spec.Config, "the config is of type "+string(c.Spec.Type)+", the receiver of type "+string(r.Spec.Type)))
		}
	}
	if r.Spec.Type == nv1.ChannelEmail {
		if len(r.Spec.Emails) == 0 && len(r.Spec.Users) == 0 {
			errs = append(errs, field.Required(spec.Child("emails"), "an email receiver needs addresses or users"))
		}
		for i, e := range r.Spec.Emails {
			if _, err := mail.ParseAddress(e); err != nil {
				errs = append(errs, field.Invalid(spec.Child("emails").Index(i), e, "must be an e-mail address"))
			}
		}
		for i, u := range r.Spec.Users {
			p := spec.Child("users").Index(i)
			if sc.owner != "" && u != sc.owner {
				errs = append(errs, field.Forbidden(p, "a user's receiver sends to that user only"))
				continue
			}
			var usr iamv1beta1.User
			if err := h.Reader.Get(ctx, client.ObjectKey{Name: u}, &usr); err != nil {
				errs = append(errs, field.NotFound(p, u))
			}
		}
	} else {
		if len(r.Spec.Emails) > 0 || len(r.Spec.Users) > 0 {
			errs = append(errs, field.Forbidden(spec.Child("emails"), "only an email receiver has addresses and users"))
		}
		if !slicesContains(channelTypes, string(r.Spec.Type)) {
			errs = append(errs, field.NotSupported(spec.Child("type"), r.Spec.Type, channelTypes))
		}
	}
	switch r.Spec.Language {
	case "", "en", "ko", "zh":
	default:
		errs = append(errs, field.NotSupported(spec.Child("language"), r.Spec.Language, []string{"en", "ko", "zh"}))
	}
	return append(errs, validSelector(r.Spec.AlertSelector, spec.Child("alertSelector"), false)...)
}

func validateRouter(ctx context.Context, h *Handler, sc scope, o, _ client.Object, _ *Credentials) field.ErrorList {
	r := o.(*nv1.Router)
	spec := field.NewPath("spec")
	errs := validSelector(r.Spec.AlertSelector, spec.Child("alertSelector"), false)
	if len(r.Spec.Receivers) == 0 {
		errs = append(errs, field.Required(spec.Child("receivers"), "the receivers to route to"))
	}
	for i, name := range r.Spec.Receivers {
		var rc nv1.Receiver
		err := h.Client.Get(ctx, client.ObjectKey{Name: name}, &rc)
		if err != nil || (sc.owner != "" && rc.Labels[nv1.UserLabel] != sc.owner) {
			errs = append(errs, field.NotFound(spec.Child("receivers").Index(i), name))
		}
	}
	return errs
}

func validateSilence(_ context.Context, _ *Handler, _ scope, o, _ client.Object, _ *Credentials) field.ErrorList {
	s := o.(*nv1.Silence)
	spec := field.NewPath("spec")
	errs := validSelector(&s.Spec.AlertSelector, spec.Child("alertSelector"), true)
	if s.Spec.StartsAt != nil && s.Spec.EndsAt != nil && !s.Spec.EndsAt.After(s.Spec.StartsAt.Time) {
		errs = append(errs, field.Invalid(spec.Child("endsAt"), s.Spec.EndsAt, "must be after startsAt"))
	}
	if len(s.Spec.Comment) > 1024 {
		errs = append(errs, field.TooLong(spec.Child("comment"), "", 1024))
	}
	return errs
}

func validSelector(ls *metav1.LabelSelector, p *field.Path, required bool) field.ErrorList {
	if ls == nil || (len(ls.MatchLabels) == 0 && len(ls.MatchExpressions) == 0) {
		if required {
			return field.ErrorList{field.Required(p, "a silence matches some labels")}
		}
		return nil
	}
	if _, err := metav1.LabelSelectorAsSelector(ls); err != nil {
		return field.ErrorList{field.Invalid(p, "", err.Error())}
	}
	return nil
}

func slicesContains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}
