package alerting

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-openapi/strfmt"
	amclient "github.com/prometheus/alertmanager/api/v2/client"
	"github.com/prometheus/alertmanager/api/v2/client/alert"
	"github.com/prometheus/alertmanager/api/v2/client/silence"
	"github.com/prometheus/alertmanager/api/v2/models"
	"github.com/prometheus/common/model"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Alertmanager talks to Alertmanager's API v2.
type Alertmanager struct {
	api     *amclient.AlertmanagerAPI
	timeout time.Duration
}

// ErrAlertmanagerUnavailable is an Alertmanager that does not answer.
var ErrAlertmanagerUnavailable = errors.New("alertmanager is unavailable")

// ErrSilenceNotFound is a silence id Alertmanager does not know.
var ErrSilenceNotFound = errors.New("silence not found")

// NewAlertmanager connects to the Alertmanager at rawURL (its address,
// without /api/v2) on the first call; every call is bounded by timeout.
func NewAlertmanager(rawURL string, timeout time.Duration) (*Alertmanager, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("alertmanager URL %q must be http(s)://host[:port][/path]", rawURL)
	}
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	cfg := amclient.DefaultTransportConfig().WithHost(u.Host).WithSchemes([]string{u.Scheme}).
		WithBasePath(strings.TrimSuffix(u.Path, "/") + amclient.DefaultBasePath)
	return &Alertmanager{api: amclient.NewHTTPClientWithConfig(strfmt.Default, cfg), timeout: timeout}, nil
}

func (a *Alertmanager) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, a.timeout)
}

// unavailable wraps a failure to reach Alertmanager.
func unavailable(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrAlertmanagerUnavailable, err)
}

type mark struct {
	labels                  model.LabelSet
	silencedBy, inhibitedBy []string
}

// marks holds Alertmanager's silences and inhibitions of its alerts, by
// the fingerprint of their labels and by alert name.
type marks struct {
	byFingerprint map[model.Fingerprint]mark
	byName        map[model.LabelValue][]mark
}

// of finds the marks of an alert of Prometheus: the same label set, or
// else one that has every label of it (Prometheus adds its external
// labels to the alerts it sends).
func (m marks) of(l model.LabelSet) (mark, bool) {
	if k, ok := m.byFingerprint[l.Fingerprint()]; ok {
		return k, true
	}
	for _, k := range m.byName[l[model.AlertNameLabel]] {
		if subset(l, k.labels) {
			return k, true
		}
	}
	return mark{}, false
}

func subset(small, big model.LabelSet) bool {
	for k, v := range small {
		if big[k] != v {
			return false
		}
	}
	return true
}

// marks reads every alert Alertmanager holds.
func (a *Alertmanager) marks(ctx context.Context) (marks, error) {
	ctx, cancel := a.ctx(ctx)
	defer cancel()
	out := marks{byFingerprint: map[model.Fingerprint]mark{}, byName: map[model.LabelValue][]mark{}}
	ok, err := a.api.Alert.GetAlerts(alert.NewGetAlertsParamsWithContext(ctx))
	if err != nil {
		return out, unavailable(err)
	}
	for _, al := range ok.Payload {
		if al == nil {
			continue
		}
		m := mark{labels: model.LabelSet{}, silencedBy: []string{}, inhibitedBy: []string{}}
		for k, v := range al.Labels {
			m.labels[model.LabelName(k)] = model.LabelValue(v)
		}
		if al.Status != nil {
			m.silencedBy = append(m.silencedBy, al.Status.SilencedBy...)
			m.inhibitedBy = append(m.inhibitedBy, al.Status.InhibitedBy...)
		}
		out.byFingerprint[m.labels.Fingerprint()] = m
		name := m.labels[model.AlertNameLabel]
		out.byName[name] = append(out.byName[name], m)
	}
	return out, nil
}

// Silences lists every silence Alertmanager holds.
func (a *Alertmanager) Silences(ctx context.Context) ([]Silence, error) {
	ctx, cancel := a.ctx(ctx)
	defer cancel()
	ok, err := a.api.Silence.GetSilences(silence.NewGetSilencesParamsWithContext(ctx))
	if err != nil {
		return nil, unavailable(err)
	}
	out := make([]Silence, 0, len(ok.Payload))
	for _, s := range ok.Payload {
		if s != nil {
			out = append(out, silenceOf(s))
		}
	}
	return out, nil
}

// Silence reads one silence.
func (a *Alertmanager) Silence(ctx context.Context, id string) (*Silence, error) {
	ctx, cancel := a.ctx(ctx)
	defer cancel()
	ok, err := a.api.Silence.GetSilence(silence.NewGetSilenceParamsWithContext(ctx).WithSilenceID(strfmt.UUID(id)))
	if err != nil {
		if _, nf := errors.AsType[*silence.GetSilenceNotFound](err); nf {
			return nil, ErrSilenceNotFound
		}
		return nil, unavailable(err)
	}
	s := silenceOf(ok.Payload)
	return &s, nil
}

// Create adds a silence and returns it.
func (a *Alertmanager) Create(ctx context.Context, in NewSilence, createdBy string) (*Silence, error) {
	body := &models.PostableSilence{Silence: models.Silence{
		Matchers: make(models.Matchers, 0, len(in.Matchers)), Comment: &in.Comment, CreatedBy: &createdBy,
		StartsAt: dateTime(in.StartsAt), EndsAt: dateTime(in.EndsAt),
	}}
	for _, m := range in.Matchers {
		body.Matchers = append(body.Matchers, &models.Matcher{Name: new(m.Name), Value: new(m.Value), IsRegex: new(m.IsRegex), IsEqual: new(m.equal())})
	}
	cctx, cancel := a.ctx(ctx)
	defer cancel()
	ok, err := a.api.Silence.PostSilences(silence.NewPostSilencesParamsWithContext(cctx).WithSilence(body))
	if err != nil {
		if bad, isBad := errors.AsType[*silence.PostSilencesBadRequest](err); isBad {
			return nil, field.ErrorList{field.Invalid(field.NewPath("matchers"), "", bad.Payload)}.ToAggregate()
		}
		return nil, unavailable(err)
	}
	return a.Silence(ctx, ok.Payload.SilenceID)
}

// Expire ends a silence now.
func (a *Alertmanager) Expire(ctx context.Context, id string) error {
	ctx, cancel := a.ctx(ctx)
	defer cancel()
	_, err := a.api.Silence.DeleteSilence(silence.NewDeleteSilenceParamsWithContext(ctx).WithSilenceID(strfmt.UUID(id)))
	if err != nil {
		if _, nf := errors.AsType[*silence.DeleteSilenceNotFound](err); nf {
			return ErrSilenceNotFound
		}
		return unavailable(err)
	}
	return nil
}

func dateTime(t time.Time) *strfmt.DateTime {
	d := strfmt.DateTime(t)
	return &d
}

func silenceOf(s *models.GettableSilence) Silence {
	out := Silence{Matchers: []Matcher{}}
	if s.ID != nil {
		out.ID = *s.ID
	}
	if s.Status != nil && s.Status.State != nil {
		out.State = *s.Status.State
	}
	if s.UpdatedAt != nil {
		out.UpdatedAt = time.Time(*s.UpdatedAt)
	}
	if s.StartsAt != nil {
		out.StartsAt = time.Time(*s.StartsAt)
	}
	if s.EndsAt != nil {
		out.EndsAt = time.Time(*s.EndsAt)
	}
	if s.Comment != nil {
		out.Comment = *s.Comment
	}
	if s.CreatedBy != nil {
		out.CreatedBy = *s.CreatedBy
	}
	for _, m := range s.Matchers {
		if m == nil || m.Name == nil || m.Value == nil {
			continue
		}
		mm := Matcher{Name: *m.Name, Value: *m.Value, IsRegex: m.IsRegex != nil && *m.IsRegex, IsEqual: m.IsEqual}
		out.Matchers = append(out.Matchers, mm)
		if mm.Name == NamespaceLabel && !mm.IsRegex && mm.equal() {
			out.Namespace = mm.Value
		}
	}
	return out
}

// NamespaceLabel is the label a project silence always matches exactly.
const NamespaceLabel = "namespace"

// ProjectMatchers checks a project silence's matchers and adds the ones
// that keep it inside the project: namespace="<ns>" and
// rule_namespace="<ns>" (so it mutes the project's own alerts only, not
// cluster or platform alerts about the project's pods). A matcher on
// either label that says anything else is refused.
func ProjectMatchers(ns string, in []Matcher) ([]Matcher, field.ErrorList) {
	var errs field.ErrorList
	out := make([]Matcher, 0, len(in)+2)
	for i, m := range in {
		if m.Name != NamespaceLabel && m.Name != "rule_namespace" {
			out = append(out, m)
			continue
		}
		if m.IsRegex || !m.equal() || m.Value != ns {
			errs = append(errs, field.Invalid(field.NewPath("matchers").Index(i), m.Name, fmt.Sprintf("a silence of project %s can only match %s=%q", ns, m.Name, ns)))
		}
	}
	for _, l := range []string{NamespaceLabel, "rule_namespace"} {
		out = append(out, Matcher{Name: l, Value: ns})
	}
	return out, errs
}

// ValidateSilence checks what Alertmanager would refuse, naming fields.
func ValidateSilence(in *NewSilence, now time.Time) field.ErrorList {
	var errs field.ErrorList
	if len(in.Matchers) == 0 {
		errs = append(errs, field.Required(field.NewPath("matchers"), "at least one matcher is required"))
	}
	for i, m := range in.Matchers {
		p := field.NewPath("matchers").Index(i)
		if !model.LegacyValidation.IsValidLabelName(m.Name) {
			errs = append(errs, field.Invalid(p.Child("name"), m.Name, "is not a label name"))
		}
	}
	if in.EndsAt.IsZero() {
		errs = append(errs, field.Required(field.NewPath("endsAt"), ""))
	} else if !in.EndsAt.After(now) {
		errs = append(errs, field.Invalid(field.NewPath("endsAt"), in.EndsAt, "must be in the future"))
	}
	if !in.StartsAt.IsZero() && !in.EndsAt.IsZero() && !in.EndsAt.After(in.StartsAt) {
		errs = append(errs, field.Invalid(field.NewPath("endsAt"), in.EndsAt, "must be after startsAt"))
	}
	if strings.TrimSpace(in.Comment) == "" {
		errs = append(errs, field.Required(field.NewPath("comment"), "say why the alerts are silenced"))
	}
	return errs
}

// InProject reports whether a silence belongs to a project: it matches
// the project's namespace exactly.
func (s Silence) InProject(ns string) bool {
	return slices.ContainsFunc(s.Matchers, func(m Matcher) bool {
		return m.Name == NamespaceLabel && !m.IsRegex && m.equal() && m.Value == ns
	})
}
