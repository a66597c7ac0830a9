// Package sender is the platform's notification sender. It takes
// Alertmanager's webhook notifications, finds for each alert the receivers
// that may get it (platform receivers get every alert; a user's receivers
// only the alerts the user may see, decided by ke-apiserver's authorizer;
// routers narrow the receivers they name), drops what a notification
// silence covers or what was just sent, renders one message per recipient
// in the recipient's language, and delivers it through the receiver's
// channel with retries and backoff. Each receiver has its own bounded
// queue and workers, so a receiver that fails or is slow never holds up
// the others. Every delivery, sent or given up, is recorded.
package sender

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	notificationv2beta2 "github.com/superkube/super-kubenetes/api/notification/v2beta2"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/notification/alert"
	"github.com/superkube/super-kubenetes/internal/notification/channel"
	"github.com/superkube/super-kubenetes/internal/notification/records"
	"github.com/superkube/super-kubenetes/internal/notification/templates"
)

// Defaults of a Sender.
const (
	DefaultQueueSize    = 1000
	DefaultWorkers      = 2
	DefaultMaxAttempts  = 6
	DefaultBackoff      = time.Second
	DefaultMaxBackoff   = time.Minute
	DefaultDedupeWindow = 10 * time.Minute
)

// Authorizer decides what a user may see.
type Authorizer interface {
	Authorize(a *authz.Attributes) authz.Decision
}

// Sender routes and delivers notifications.
type Sender struct {
	// Reader reads receivers, routers, silences, configs, namespaces and
	// users (from the cache); Secrets reads the credentials' Secrets in
	// SecretNamespace.
	Reader          client.Reader
	Secrets         client.Reader
	SecretNamespace string
	Authorizer      Authorizer
	Templates       *templates.Set
	Channels        *channel.Sender
	Records         records.Store
	Log             logr.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time

	// QueueSize bounds the messages waiting per receiver; Workers deliver
	// them, per receiver.
	QueueSize, Workers int
	// MaxAttempts, Backoff and MaxBackoff say how a failing delivery is
	// retried: Backoff doubled after each attempt, up to MaxBackoff.
	MaxAttempts         int
	Backoff, MaxBackoff time.Duration
	// DedupeWindow: an alert already sent to a recipient with the same
	// status is not sent again within it.
	DedupeWindow time.Duration
	// Status, when set, writes each receiver's Ready condition from its
	// deliveries: True once a message went through, False with the field
	// and reason when one was given up.
	Status client.Client

	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	queues map[string]*queue
	sent   map[string]sentEntry
	// ready is the Ready condition last written per receiver.
	ready map[string]string
}

type nv1Channel = notificationv2beta2.ChannelType

// queue is a receiver's queue and how many workers serve it.
type queue struct {
	name    string
	jobs    chan *job
	workers int
}

// IdleTimeout is how long a receiver's worker waits for a message before
// it stops; the receiver's queue goes with its last worker (a deleted
// receiver leaves nothing behind).
var IdleTimeout = 5 * time.Minute

type sentEntry struct {
	status string
	at     time.Time
}

// job is one message to deliver.
type job struct {
	receiver  string
	channel   nv1Channel
	user      string
	recipient string
	lang      string
	alerts    []alert.Alert
	received  time.Time
	dedupe    []string
}

func (s *Sender) init() {
	s.once.Do(func() {
		s.ctx, s.cancel = context.WithCancel(context.Background())
		s.queues = map[string]*queue{}
		s.sent = map[string]sentEntry{}
		s.ready = map[string]string{}
		if s.Templates == nil {
			s.Templates = templates.Builtin()
		}
		if s.Channels == nil {
			s.Channels = &channel.Sender{}
		}
		if s.Records == nil {
			s.Records = records.NewRing(0)
		}
	})
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func orDefault[T int | time.Duration](v, d T) T {
	if v <= 0 {
		return d
	}
	return v
}

// Run delivers until ctx ends, then stops the workers (messages still
// queued are dropped: Alertmanager repeats what is not resolved).
func (s *Sender) Run(ctx context.Context) error {
	s.init()
	<-ctx.Done()
	s.cancel()
	s.wg.Wait()
	return nil
}

// Stop ends the workers (for tests that do not Run).
func (s *Sender) Stop() {
	s.init()
	s.cancel()
	s.wg.Wait()
}

// Accepted says what Handle did with a notification.
type Accepted struct {
	// Messages were queued; Duplicates and Silenced alerts were left out
	// for some receiver; Dropped messages found their receiver's queue full.
	Messages   int `json:"messages"`
	Duplicates int `json:"duplicates"`
	Silenced   int `json:"silenced"`
	Dropped    int `json:"dropped"`
}

// Handle routes the alerts of a notification to the receivers and queues
// the messages. received is when the webhook got it.
func (s *Sender) Handle(ctx context.Context, p *alert.Payload, received time.Time) (Accepted, error) {
	s.init()
	var acc Accepted
	var receivers notificationv2beta2.ReceiverList
	var routers notificationv2beta2.RouterList
	var silences notificationv2beta2.SilenceList
	for _, l := range []client.ObjectList{&receivers, &routers, &silences} {
		if err := s.Reader.List(ctx, l); err != nil {
			return acc, fmt.Errorf("reading the notification objects: %w", err)
		}
	}
	alerts := slices.Clone(p.Alerts)
	s.addWorkspaces(ctx, alerts)
	now := s.now()
	active := activeSilences(silences.Items, now)
	routes := routesOf(routers.Items)
	v := &visibility{z: s.Authorizer, reader: s.Reader, users: map[string]*iamv1beta1.User{}, cache: map[string]bool{}}

	for i := range receivers.Items {
		r := &receivers.Items[i]
		if r.Spec.Enabled != nil && !*r.Spec.Enabled {
			continue
		}
		owner := r.Labels[notificationv2beta2.UserLabel]
		sel := selector(r.Spec.AlertSelector)
		var mine []alert.Alert
		for _, a := range alerts {
			set := labels.Set(a.Labels)
			if sel != nil && !sel.Matches(set) {
				continue
			}
			if rs, named := routes[r.Name]; named && !rs.matches(set, owner) {
				continue
			}
			if owner != "" && !v.allows(ctx, owner, &a) {
				continue
			}
			if silenced(active, set, owner) {
				acc.Silenced++
				continue
			}
			mine = append(mine, a)
		}
		if len(mine) == 0 {
			continue
		}
		for _, rc := range s.recipients(ctx, r, owner, v) {
			fresh, keys := s.dedupe(r.Name, rc.to, mine, now)
			acc.Duplicates += len(mine) - len(fresh)
			if len(fresh) == 0 {
				continue
			}
			j := &job{receiver: r.Name, channel: r.Spec.Type, user: owner, recipient: rc.to, lang: rc.lang, alerts: fresh, received: received, dedupe: keys}
			if s.enqueue(j) {
				acc.Messages++
			} else {
				acc.Dropped++
			}
		}
	}
	return acc, nil
}

// addWorkspaces labels each namespaced alert with its namespace's
// workspace (routers and silences match it), replacing any the alert
// brought: only the namespace's label says which workspace it is.
func (s *Sender) addWorkspaces(ctx context.Context, alerts []alert.Alert) {
	ws := map[string]string{}
	for i := range alerts {
		a := &alerts[i]
		ns := a.Labels[alert.Namespace]
		a.Labels = cloneLabels(a.Labels)
		delete(a.Labels, alert.Workspace)
		if ns == "" {
			continue
		}
		w, ok := ws[ns]
		if !ok {
			var n corev1.Namespace
			if err := s.Reader.Get(ctx, client.ObjectKey{Name: ns}, &n); err == nil {
				w = n.Labels[tenantv1beta1.WorkspaceLabel]
			}
			ws[ns] = w
		}
		if w != "" {
			a.Labels[alert.Workspace] = w
		}
	}
}

func cloneLabels(m map[string]string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

func selector(ls *metav1.LabelSelector) labels.Selector {
	if ls == nil {
		return nil
	}
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		// An invalid selector matches nothing (the API refuses them).
		return labels.Nothing()
	}
	return sel
}

// routes are the routers naming each receiver.
type routeSet []routeOf

type routeOf struct {
	sel   labels.Selector
	owner string
}

// matches reports whether a router of the receiver's owner (or a
// platform router) takes the alert.
func (rs routeSet) matches(set labels.Set, owner string) bool {
	for _, r := range rs {
		if r.owner != "" && r.owner != owner {
			continue
		}
		if r.sel == nil || r.sel.Matches(set) {
			return true
		}
	}
	return false
}

func routesOf(items []notificationv2beta2.Router) map[string]routeSet {
	out := map[string]routeSet{}
	for i := range items {
		r := &items[i]
		ro := routeOf{sel: selector(r.Spec.AlertSelector), owner: r.Labels[notificationv2beta2.UserLabel]}
		for _, name := range r.Spec.Receivers {
			out[name] = append(out[name], ro)
		}
	}
	return out
}

type activeSilence struct {
	sel   labels.Selector
	owner string
}

func activeSilences(items []notificationv2beta2.Silence, now time.Time) []activeSilence {
	var out []activeSilence
	for i := range items {
		sp := &items[i].Spec
		if sp.StartsAt != nil && now.Before(sp.StartsAt.Time) || sp.EndsAt != nil && !now.Before(sp.EndsAt.Time) {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(&sp.AlertSelector)
		if err != nil {
			continue
		}
		out = append(out, activeSilence{sel: sel, owner: items[i].Labels[notificationv2beta2.UserLabel]})
	}
	return out
}

// silenced: a platform silence covers every receiver, a user's silence
// that user's receivers.
func silenced(active []activeSilence, set labels.Set, owner string) bool {
	for _, s := range active {
		if (s.owner == "" || s.owner == owner) && s.sel.Matches(set) {
			return true
		}
	}
	return false
}

type recipient struct{ to, lang string }

// recipients of a receiver: the e-mail addresses (in the receiver's
// language) and users (at their address, in their language) of an e-mail
// receiver; the chat target of the others. A user's own receiver sends to
// that user only, among the platform's users.
func (s *Sender) recipients(ctx context.Context, r *notificationv2beta2.Receiver, owner string, v *visibility) []recipient {
	lang := r.Spec.Language
	if lang == "" && owner != "" {
		if u := v.user(ctx, owner); u != nil {
			lang = u.Spec.Lang
		}
	}
	lang = templates.Language(lang)
	if r.Spec.Type != notificationv2beta2.ChannelEmail {
		return []recipient{{to: r.Spec.Channel, lang: lang}}
	}
	var out []recipient
	seen := map[string]bool{}
	for _, e := range r.Spec.Emails {
		if !seen[e] {
			seen[e] = true
			out = append(out, recipient{to: e, lang: lang})
		}
	}
	for _, name := range r.Spec.Users {
		if owner != "" && name != owner {
			continue
		}
		u := v.user(ctx, name)
		if u == nil || u.Spec.Email == "" || seen[u.Spec.Email] {
			continue
		}
		seen[u.Spec.Email] = true
		l := u.Spec.Lang
		if l == "" {
			l = r.Spec.Language
		}
		out = append(out, recipient{to: u.Spec.Email, lang: templates.Language(l)})
	}
	return out
}

// dedupe keeps the alerts not sent to the recipient with the same status
// within the window, and marks them sent.
func (s *Sender) dedupe(receiver, to string, alerts []alert.Alert, now time.Time) ([]alert.Alert, []string) {
	window := orDefault(s.DedupeWindow, DefaultDedupeWindow)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sent) > 200000 {
		for k, e := range s.sent {
			if now.Sub(e.at) > window {
				delete(s.sent, k)
			}
		}
	}
	var fresh []alert.Alert
	var keys []string
	for _, a := range alerts {
		k := receiver + "\x00" + to + "\x00" + a.Fingerprint
		if e, ok := s.sent[k]; ok && e.status == a.Status && now.Sub(e.at) < window {
			continue
		}
		s.sent[k] = sentEntry{status: a.Status, at: now}
		fresh = append(fresh, a)
		keys = append(keys, k)
	}
	return fresh, keys
}

// forget lets the alerts of a message that was given up be sent again.
func (s *Sender) forget(keys []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		delete(s.sent, k)
	}
}

// enqueue puts j on its receiver's queue, starting the receiver's workers
// on first use; false when the queue is full (the message is recorded as
// failed).
func (s *Sender) enqueue(j *job) bool {
	s.mu.Lock()
	q, ok := s.queues[j.receiver]
	if !ok {
		q = &queue{name: j.receiver, jobs: make(chan *job, orDefault(s.QueueSize, DefaultQueueSize))}
		s.queues[j.receiver] = q
		for range orDefault(s.Workers, DefaultWorkers) {
			q.workers++
			s.wg.Add(1)
			go s.work(q)
		}
	}
	// Under the lock: a worker that stops for idleness checks the queue
	// under it too, so nothing is put on a queue nobody serves.
	select {
	case q.jobs <- j:
		s.mu.Unlock()
		return true
	default:
		s.mu.Unlock()
		s.forget(j.dedupe)
		s.record(j, nil, "", 0, &channel.Error{Reason: "the receiver's queue is full; the message was dropped"})
		return false
	}
}

// idle stops a worker of q when q is empty, removing q with its last
// worker; false when there is work after all.
func (s *Sender) idle(q *queue) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(q.jobs) > 0 {
		return false
	}
	q.workers--
	if q.workers == 0 && s.queues[q.name] == q {
		delete(s.queues, q.name)
	}
	return true
}

// MaxBatch is the most messages of one receiver a worker sends together
// (through one SMTP connection).
const MaxBatch = 10

func (s *Sender) work(q *queue) {
	defer s.wg.Done()
	timer := time.NewTimer(IdleTimeout)
	defer timer.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-timer.C:
			if s.idle(q) {
				return
			}
			timer.Reset(IdleTimeout)
		case j := <-q.jobs:
			batch := []*job{j}
		more:
			for len(batch) < MaxBatch {
				select {
				case next := <-q.jobs:
					batch = append(batch, next)
				default:
					break more
				}
			}
			s.deliver(s.ctx, batch)
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
			timer.Reset(IdleTimeout)
		}
	}
}

// Queues is how many receivers' queues are served (for tests).
func (s *Sender) Queues() int {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queues)
}

// attempt is a job being delivered.
type attempt struct {
	j        *job
	n        *channel.Notification
	err      error
	attempts int
}

// deliver sends the jobs of one receiver, those that fail trying again
// together with backoff while the failure may pass.
func (s *Sender) deliver(ctx context.Context, batch []*job) {
	backoff := orDefault(s.Backoff, DefaultBackoff)
	maxAttempts := orDefault(s.MaxAttempts, DefaultMaxAttempts)
	receiver := batch[0].receiver
	var (
		conn *channel.Conn
		cfg  string
	)
	remaining := make([]*attempt, 0, len(batch))
	for _, j := range batch {
		a := &attempt{j: j}
		if a.n, a.err = s.render(j); a.err != nil {
			s.finish(ctx, a, nil, "")
			continue
		}
		remaining = append(remaining, a)
	}
	for try := 1; len(remaining) > 0; try++ {
		var r notificationv2beta2.Receiver
		var err error
		if err = s.Reader.Get(ctx, client.ObjectKey{Name: receiver}, &r); err != nil {
			err = &channel.Error{Field: "receiver", Reason: "the receiver " + receiver + " is gone", Permanent: apierrors.IsNotFound(err)}
		} else {
			cfg = r.Spec.Config
			conn, err = s.Conn(ctx, &r)
		}
		errs := make([]error, len(remaining))
		switch {
		case err != nil:
			for i := range errs {
				errs[i] = err
			}
		case conn.Type == notificationv2beta2.ChannelEmail:
			notes := make([]*channel.Notification, len(remaining))
			for i, a := range remaining {
				notes[i] = a.n
			}
			sendCtx, cancel := context.WithTimeout(ctx, 30*time.Second+time.Duration(len(notes))*time.Second)
			errs = s.Channels.SendEmails(sendCtx, conn, notes)
			cancel()
		default:
			for i, a := range remaining {
				sendCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
				errs[i] = s.Channels.Send(sendCtx, conn, a.n)
				cancel()
			}
		}
		next := remaining[:0]
		for i, a := range remaining {
			a.err, a.attempts = errs[i], try
			if a.err == nil || channel.AsError(a.err).Permanent || ctx.Err() != nil || try >= maxAttempts {
				s.finish(ctx, a, conn, cfg)
				continue
			}
			next = append(next, a)
		}
		remaining = next
		if len(remaining) == 0 {
			break
		}
		s.Log.V(2).Info("Notifications failed, retrying", "receiver", receiver, "messages", len(remaining), "attempt", try, "error", remaining[0].err.Error())
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, orDefault(s.MaxBackoff, DefaultMaxBackoff))
	}
}

// finish records a job's result.
func (s *Sender) finish(ctx context.Context, a *attempt, conn *channel.Conn, cfg string) {
	if a.err != nil {
		s.forget(a.j.dedupe)
	}
	s.markReady(ctx, a.j.receiver, a.err)
	lang := a.j.lang
	if a.n != nil {
		lang = a.n.Language
	}
	s.record(a.j, conn, cfg, a.attempts, a.err, lang)
}

func (s *Sender) render(j *job) (*channel.Notification, error) {
	d := templates.NewData(j.receiver, j.alerts)
	m, err := s.Templates.Render(j.lang, d)
	if err != nil {
		return nil, &channel.Error{Field: "template", Reason: err.Error(), Permanent: true}
	}
	return &channel.Notification{Message: m, Status: d.Status, Receiver: j.receiver, Alerts: j.alerts, To: j.recipient}, nil
}

func (s *Sender) record(j *job, conn *channel.Conn, cfg string, attempts int, err error, lang ...string) {
	d := s.delivery(j, conn, cfg, attempts, err)
	if len(lang) > 0 {
		d.Language = lang[0]
	}
	if err != nil {
		s.Log.Info("Notification failed", "receiver", j.receiver, "recipient", j.recipient, "attempts", attempts, "field", d.Field, "reason", d.Reason)
	}
	s.Records.Add(d)
}

// delivery is the record of a job's result.
func (s *Sender) delivery(j *job, conn *channel.Conn, cfg string, attempts int, err error) records.Delivery {
	d := records.Delivery{ID: newID(), Time: s.now(), Receiver: j.receiver, User: j.user, Config: cfg, Recipient: j.recipient,
		Language: j.lang, Attempts: attempts, Result: records.Sent, LatencyMillis: s.now().Sub(j.received).Milliseconds()}
	d.Channel = string(j.channel)
	if conn != nil {
		d.Channel = string(conn.Type)
	}
	d.AlertStatus = alert.Resolved
	for _, a := range j.alerts {
		d.Alerts = append(d.Alerts, a.Name()+"/"+a.Fingerprint)
		if a.Status == alert.Firing {
			d.AlertStatus = alert.Firing
		}
	}
	if err != nil {
		e := channel.AsError(err)
		d.Result, d.Reason, d.Field = records.Failed, e.Reason, e.Field
	}
	return d
}

// ReasonDeliveryFailed is the reason of a receiver's Ready condition when
// a message was given up for another reason than its references.
const ReasonDeliveryFailed = "DeliveryFailed"

// markReady writes a receiver's Ready condition when it changes.
func (s *Sender) markReady(ctx context.Context, receiver string, err error) {
	if s.Status == nil || ctx.Err() != nil {
		return
	}
	cond := metav1.Condition{Type: notificationv2beta2.ReadyCondition, Status: metav1.ConditionTrue, Reason: notificationv2beta2.ReasonResolved,
		Message: "the last message was delivered"}
	if err != nil {
		e := channel.AsError(err)
		cond.Status, cond.Reason, cond.Message = metav1.ConditionFalse, ReasonDeliveryFailed, e.Error()
		switch {
		case e.Field == "spec.config":
			cond.Reason = notificationv2beta2.ReasonConfigNotFound
		case strings.HasSuffix(e.Field, "Secret"):
			cond.Reason = notificationv2beta2.ReasonSecretNotFound
		case e.Field == "template" || e.Field == "spec.type":
			cond.Reason = notificationv2beta2.ReasonInvalid
		}
	}
	key := string(cond.Status) + "/" + cond.Reason + "/" + cond.Message
	s.mu.Lock()
	same := s.ready[receiver] == key
	s.ready[receiver] = key
	s.mu.Unlock()
	if same {
		return
	}
	var r notificationv2beta2.Receiver
	if err := s.Status.Get(ctx, client.ObjectKey{Name: receiver}, &r); err != nil {
		return
	}
	cond.ObservedGeneration = r.Generation
	if !meta.SetStatusCondition(&r.Status.Conditions, cond) {
		return
	}
	r.Status.ObservedGeneration = r.Generation
	if err := s.Status.Status().Update(ctx, &r); err != nil {
		// Written again at the next change.
		s.mu.Lock()
		delete(s.ready, receiver)
		s.mu.Unlock()
		s.Log.V(2).Info("Writing a receiver's status failed", "receiver", receiver, "error", err.Error())
	}
}

func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Conn resolves a receiver's Config and credentials.
func (s *Sender) Conn(ctx context.Context, r *notificationv2beta2.Receiver) (*channel.Conn, error) {
	var c notificationv2beta2.Config
	if err := s.Reader.Get(ctx, client.ObjectKey{Name: r.Spec.Config}, &c); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, &channel.Error{Field: "spec.config", Reason: "the config " + r.Spec.Config + " does not exist", Permanent: true}
		}
		return nil, &channel.Error{Field: "spec.config", Reason: "the config cannot be read"}
	}
	owner, cowner := r.Labels[notificationv2beta2.UserLabel], c.Labels[notificationv2beta2.UserLabel]
	if cowner != "" && cowner != owner {
		return nil, &channel.Error{Field: "spec.config", Reason: "the config " + c.Name + " belongs to another user", Permanent: true}
	}
	if c.Spec.Type != r.Spec.Type {
		return nil, &channel.Error{Field: "spec.config", Reason: fmt.Sprintf("the config %s is of type %s, the receiver of type %s", c.Name, c.Spec.Type, r.Spec.Type), Permanent: true}
	}
	return s.ConfigConn(ctx, &c)
}

// ConfigConn resolves a Config's credentials. A user's config (with the
// user label) is restricted: its connections reach public addresses only
// (and the networks the platform allows users).
func (s *Sender) ConfigConn(ctx context.Context, c *notificationv2beta2.Config) (*channel.Conn, error) {
	conn := &channel.Conn{Type: c.Spec.Type, Restricted: c.Labels[notificationv2beta2.UserLabel] != ""}
	if c.Spec.Type == notificationv2beta2.ChannelEmail {
		e := c.Spec.Email
		if e == nil {
			return nil, &channel.Error{Field: "spec.email", Reason: "an email config needs spec.email", Permanent: true}
		}
		conn.Email = &channel.Email{Host: e.Host, Port: int(e.Port), From: e.From, Username: e.Username, TLS: e.TLS}
		if e.PasswordSecret != nil {
			pw, err := s.secret(ctx, c, *e.PasswordSecret, "spec.email.passwordSecret")
			if err != nil {
				return nil, err
			}
			conn.Email.Password = pw
		}
		return conn, nil
	}
	if c.Spec.URL == nil {
		return nil, &channel.Error{Field: "spec.url", Reason: "a " + string(c.Spec.Type) + " config needs spec.url", Permanent: true}
	}
	u, err := s.secret(ctx, c, c.Spec.URL.URLSecret, "spec.url.urlSecret")
	if err != nil {
		return nil, err
	}
	conn.URL = u
	if c.Spec.URL.TokenSecret != nil {
		if conn.Token, err = s.secret(ctx, c, *c.Spec.URL.TokenSecret, "spec.url.tokenSecret"); err != nil {
			return nil, err
		}
	}
	return conn, nil
}

// ConfigSecretLabel marks a Secret in the secret namespace that holds a
// Config's credentials: its value is the Config's name. The API's Secrets
// carry it and an owner reference to the Config.
const ConfigSecretLabel = "notification.superkube.io/config"

// secretOf says whether sec holds c's credentials: it is owned by c (an
// owner reference with c's UID) or labelled with c's name. Both take the
// right to write Secrets in the secret namespace; a Config that merely
// names another Secret there (the platform's signing keys, Redis'
// password) would otherwise send that Secret to a server of its writer's
// choosing.
func secretOf(sec *corev1.Secret, c *notificationv2beta2.Config) bool {
	if sec.Labels[ConfigSecretLabel] == c.Name && c.Name != "" {
		return true
	}
	for _, o := range sec.OwnerReferences {
		if o.Kind == "Config" && o.UID != "" && o.UID == c.UID && o.Name == c.Name &&
			strings.HasPrefix(o.APIVersion, notificationv2beta2.GroupName+"/") {
			return true
		}
	}
	return false
}

func (s *Sender) secret(ctx context.Context, c *notificationv2beta2.Config, ref notificationv2beta2.SecretKeyRef, field string) (string, error) {
	var sec corev1.Secret
	reader := s.Secrets
	if reader == nil {
		reader = s.Reader
	}
	if err := reader.Get(ctx, client.ObjectKey{Namespace: s.SecretNamespace, Name: ref.Name}, &sec); err != nil {
		if apierrors.IsNotFound(err) {
			return "", &channel.Error{Field: field, Reason: "the Secret " + ref.Name + " does not exist", Permanent: true}
		}
		return "", &channel.Error{Field: field, Reason: "the Secret cannot be read"}
	}
	if !secretOf(&sec, c) {
		return "", &channel.Error{Field: field, Reason: "the Secret " + ref.Name + " does not belong to the config " + c.Name +
			" (it needs an owner reference to the config or the label " + ConfigSecretLabel + "=" + c.Name + ")", Permanent: true}
	}
	v, ok := sec.Data[ref.Key]
	if !ok || len(v) == 0 {
		return "", &channel.Error{Field: field, Reason: "the Secret " + ref.Name + " has no key " + ref.Key, Permanent: true}
	}
	return string(v), nil
}

// Verify sends a test message through a config to a recipient (an e-mail
// address, or the chat target) once, without retries, and records it. It
// returns the record and the delivery's error (nil when it was sent).
func (s *Sender) Verify(ctx context.Context, c *notificationv2beta2.Config, to, lang string) (records.Delivery, error) {
	s.init()
	start := s.now()
	owner := c.Labels[notificationv2beta2.UserLabel]
	j := &job{receiver: c.Name, user: owner, recipient: to, lang: templates.Language(lang), received: start,
		alerts: []alert.Alert{{Status: alert.Firing, Fingerprint: "test", StartsAt: start,
			Labels:      map[string]string{alert.AlertName: "NotificationTest", alert.Severity: "info"},
			Annotations: map[string]string{"summary": "Test message of the config " + c.Name}}}}
	var err error
	var n *channel.Notification
	var conn *channel.Conn
	d := templates.NewData(c.Name, j.alerts)
	d.Test = true
	m, rerr := s.Templates.Render(j.lang, d)
	if rerr != nil {
		err = &channel.Error{Field: "template", Reason: rerr.Error(), Permanent: true}
	} else {
		n = &channel.Notification{Message: m, Status: alert.Firing, Receiver: c.Name, Alerts: j.alerts, To: to}
		conn, err = s.ConfigConn(ctx, c)
		if err == nil {
			sendCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
			err = s.Channels.Send(sendCtx, conn, n)
			cancel()
		}
	}
	rec := s.delivery(j, conn, c.Name, 1, err)
	rec.Verification = true
	if conn == nil {
		rec.Channel = string(c.Spec.Type)
	}
	s.Records.Add(rec)
	return rec, err
}

// visibility decides, with a cache per notification, whether a user may
// see an alert: the alerts of a namespace when the user may list pods or
// alerts there; cluster alerts when the user may list the cluster's alerts
// or nodes; global alerts when the user may list the platform's alerts.
type visibility struct {
	z      Authorizer
	reader client.Reader
	users  map[string]*iamv1beta1.User
	cache  map[string]bool
}

func (v *visibility) user(ctx context.Context, name string) *iamv1beta1.User {
	if u, ok := v.users[name]; ok {
		return u
	}
	var u iamv1beta1.User
	if err := v.reader.Get(ctx, client.ObjectKey{Name: name}, &u); err != nil {
		v.users[name] = nil
		return nil
	}
	v.users[name] = &u
	return &u
}

// AlertingGroup is the API group of the alerts.
const AlertingGroup = "alerting.superkube.io"

func (v *visibility) allows(ctx context.Context, name string, a *alert.Alert) bool {
	level, ns := a.Level(), a.Labels[alert.Namespace]
	key := name + "\x00" + level + "\x00" + ns
	if ok, done := v.cache[key]; done {
		return ok
	}
	ok := false
	if u := v.user(ctx, name); u != nil && !u.Spec.Disabled {
		groups := append(slices.Clone(u.Status.Groups), user.AllAuthenticated)
		attrs := func(group, resource, ns string) *authz.Attributes {
			return &authz.Attributes{User: name, Groups: groups, ResourceRequest: true, Verb: "list", APIGroup: group, Resource: resource, Namespace: ns}
		}
		var asks []*authz.Attributes
		switch level {
		case "namespace":
			asks = []*authz.Attributes{attrs(AlertingGroup, "alerts", ns), attrs("", "pods", ns)}
		case "cluster":
			asks = []*authz.Attributes{attrs(AlertingGroup, "clusteralerts", ""), attrs("", "nodes", "")}
		default:
			asks = []*authz.Attributes{attrs(AlertingGroup, "alerts", "")}
		}
		for _, at := range asks {
			if v.z.Authorize(at).Allowed {
				ok = true
				break
			}
		}
	}
	v.cache[key] = ok
	return ok
}
