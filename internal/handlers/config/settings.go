package config

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"
	ctrlcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
)

// The ConfigMap that holds the platform settings, and its keys.
const (
	SettingsConfigMap = "platform-settings"
	TitleKey          = "title"
	LogoKey           = "logo"
)

// Limits of the settings.
const (
	MaxTitleLength = 64
	MaxLogoBytes   = 256 << 10
	// DefaultTitle is the title while none is set.
	DefaultTitle = "Super Kubenetes"
)

// logoTypes are the media types a logo data URL may have.
var logoTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml", "image/avif", "image/x-icon", "image/vnd.microsoft.icon"}

// PlatformSettings are the settings every user's console shows.
type PlatformSettings struct {
	metav1.TypeMeta `json:",inline"`
	// Title is the platform's name in the console (at most 64 characters).
	Title string `json:"title"`
	// Logo is an image as a data URL (data:image/png;base64,...) or an
	// https URL, at most 256 KiB; empty for the default logo.
	Logo string `json:"logo"`
}

// SettingsStore keeps the settings in the ConfigMap platform-settings of the
// system namespace. It reads through an informer of that one object and
// writes (and reads before the informer has synced) directly.
type SettingsStore struct {
	namespace string
	cache     ctrlcache.Cache
	direct    client.Client
	synced    atomic.Bool
}

// NewSettingsStore returns a store of the settings in namespace. Run starts
// its informer.
func NewSettingsStore(ctx context.Context, rc *rest.Config, sch *runtime.Scheme, namespace string) (*SettingsStore, error) {
	c, err := ctrlcache.New(rc, ctrlcache.Options{
		Scheme:            sch,
		DefaultNamespaces: map[string]ctrlcache.Config{namespace: {}},
		ByObject: map[client.Object]ctrlcache.ByObject{
			&corev1.ConfigMap{}: {Field: fields.OneTermEqualSelector("metadata.name", SettingsConfigMap)},
		},
		DefaultTransform: ctrlcache.TransformStripManagedFields(),
	})
	if err != nil {
		return nil, err
	}
	if _, err := c.GetInformer(ctx, &corev1.ConfigMap{}); err != nil {
		return nil, err
	}
	direct, err := client.New(rc, client.Options{Scheme: sch})
	if err != nil {
		return nil, err
	}
	return &SettingsStore{namespace: namespace, cache: c, direct: direct}, nil
}

// Run runs the informer until ctx ends.
func (s *SettingsStore) Run(ctx context.Context) {
	go func() {
		if err := s.cache.Start(ctx); err != nil {
			logr.FromContextOrDiscard(ctx).Error(err, "The platform settings informer stopped")
		}
	}()
	if s.cache.WaitForCacheSync(ctx) {
		s.synced.Store(true)
	}
}

func (s *SettingsStore) reader() client.Reader {
	if s.synced.Load() {
		return s.cache
	}
	return s.direct
}

// Get returns the settings; unset ones have their defaults.
func (s *SettingsStore) Get(ctx context.Context) (*PlatformSettings, error) {
	cm := &corev1.ConfigMap{}
	err := s.reader().Get(ctx, types.NamespacedName{Namespace: s.namespace, Name: SettingsConfigMap}, cm)
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, err
	}
	return fromConfigMap(cm), nil
}

func fromConfigMap(cm *corev1.ConfigMap) *PlatformSettings {
	out := &PlatformSettings{TypeMeta: metav1.TypeMeta{Kind: "PlatformSettings", APIVersion: GroupName + "/v1alpha2"},
		Title: cm.Data[TitleKey], Logo: cm.Data[LogoKey]}
	if out.Title == "" {
		out.Title = DefaultTitle
	}
	return out
}

// Update changes the settings to what next makes of the current ones,
// after validating them (422 naming the field), and answers once reads
// see the change.
func (s *SettingsStore) Update(ctx context.Context, next func(cur *PlatformSettings) *PlatformSettings) (*PlatformSettings, error) {
	var written *corev1.ConfigMap
	err := retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		cm := &corev1.ConfigMap{}
		key := types.NamespacedName{Namespace: s.namespace, Name: SettingsConfigMap}
		err := s.direct.Get(ctx, key, cm)
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		exists := err == nil
		cur := &PlatformSettings{Title: cm.Data[TitleKey], Logo: cm.Data[LogoKey]}
		want := next(cur)
		if errs := Validate(want); len(errs) > 0 {
			return apistatus.Invalid("PlatformSettings", SettingsConfigMap, errs)
		}
		if !exists {
			cm = &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: s.namespace, Name: SettingsConfigMap,
				Labels: map[string]string{"app.kubernetes.io/part-of": "superkube", "app.kubernetes.io/component": "ke-apiserver"}}}
		}
		if cm.Data == nil {
			cm.Data = map[string]string{}
		}
		cm.Data[TitleKey], cm.Data[LogoKey] = want.Title, want.Logo
		if exists {
			err = s.direct.Update(ctx, cm)
		} else {
			err = s.direct.Create(ctx, cm)
			if apierrors.IsAlreadyExists(err) {
				// Someone created it meanwhile: read it again and update.
				err = apierrors.NewConflict(corev1.Resource("configmaps"), SettingsConfigMap, err)
			}
		}
		if err != nil {
			return err
		}
		written = cm
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Read your writes: answer once the informer has the new version, so
	// that the next GET shows it.
	if s.synced.Load() {
		_ = wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 5*time.Second, true, func(ctx context.Context) (bool, error) {
			cached := &corev1.ConfigMap{}
			err := s.cache.Get(ctx, types.NamespacedName{Namespace: s.namespace, Name: SettingsConfigMap}, cached)
			return err == nil && cached.ResourceVersion == written.ResourceVersion, nil
		})
	}
	return fromConfigMap(written), nil
}

// Validate checks settings: a title of at most 64 characters without control
// characters, and a logo of at most 256 KiB that is an image data URL or an
// https URL.
func Validate(s *PlatformSettings) field.ErrorList {
	var errs field.ErrorList
	title := field.NewPath(TitleKey)
	switch {
	case !utf8.ValidString(s.Title):
		errs = append(errs, field.Invalid(title, "", "must be valid UTF-8"))
	case utf8.RuneCountInString(s.Title) > MaxTitleLength:
		errs = append(errs, field.TooLong(title, "", MaxTitleLength))
	case strings.IndexFunc(s.Title, unicode.IsControl) >= 0:
		errs = append(errs, field.Invalid(title, s.Title, "must not contain control characters"))
	}
	logo := field.NewPath(LogoKey)
	switch {
	case s.Logo == "":
	case len(s.Logo) > MaxLogoBytes:
		errs = append(errs, field.TooLong(logo, "", MaxLogoBytes))
	default:
		if msg := checkLogo(s.Logo); msg != "" {
			errs = append(errs, field.Invalid(logo, abbreviate(s.Logo), msg))
		}
	}
	return errs
}

// checkLogo returns what is wrong with a logo, or "".
func checkLogo(logo string) string {
	const want = "must be an image data URL (data:image/png;base64,...) or an https URL"
	if rest, ok := cutPrefixFold(logo, "data:"); ok {
		meta, data, ok := strings.Cut(rest, ",")
		if !ok {
			return want
		}
		params := strings.Split(meta, ";")
		if !slices.Contains(logoTypes, strings.ToLower(strings.TrimSpace(params[0]))) {
			return "must be an image of type " + strings.Join(logoTypes, ", ")
		}
		if len(params) < 2 || !strings.EqualFold(params[len(params)-1], "base64") {
			return "must be a base64 data URL (data:<type>;base64,...)"
		}
		if decoded, err := base64.StdEncoding.DecodeString(data); err != nil || len(decoded) == 0 {
			return "must hold the image in valid base64"
		}
		return ""
	}
	if strings.IndexFunc(logo, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return want
	}
	u, err := url.Parse(logo)
	if err != nil || !strings.EqualFold(u.Scheme, "https") || u.Host == "" || u.User != nil {
		return want
	}
	return ""
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// abbreviate keeps error messages short: a logo can be large.
func abbreviate(s string) string {
	if len(s) > 40 {
		return fmt.Sprintf("%s... (%d bytes)", s[:40], len(s))
	}
	return s
}
