package oauth

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
)

// The queue of login records waiting to be written, and how writes are retried.
const (
	recordQueueSize     = 4096
	recordWriteTimeout  = 10 * time.Second
	recordRetryInitial  = 250 * time.Millisecond
	recordRetryMaxDelay = 10 * time.Second
)

// recordMetrics count what happens to login records.
type recordMetrics struct {
	dropped prometheus.Counter
	retries prometheus.Counter
	queued  prometheus.GaugeFunc
	// liveHashReads counts password hashes read from kube-apiserver because
	// the replica's cache had none, by result (found, none, error): a
	// replica whose cache lags behind shows here.
	liveHashReads *prometheus.CounterVec
}

func newRecordMetrics(queue chan *iamv1beta1.LoginRecord) *recordMetrics {
	return &recordMetrics{
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "ke_apiserver_login_records_dropped_total",
			Help: "Login records that were never written: the queue was full, or kube-apiserver refused them as invalid."}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{Name: "ke_apiserver_login_record_write_retries_total",
			Help: "Writes of login records that failed (kube-apiserver unreachable or slow) and were retried."}),
		queued: prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "ke_apiserver_login_records_queued",
			Help: "Login records waiting to be written."}, func() float64 { return float64(len(queue)) }),
		liveHashReads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ke_apiserver_password_hash_live_reads_total",
			Help: "Password hashes read from kube-apiserver because this replica's cache had none, by result (found, none, error)."}, []string{"result"}),
	}
}

// Collectors are the server's Prometheus metrics.
func (s *Server) Collectors() []prometheus.Collector {
	return []prometheus.Collector{s.recordMetrics.dropped, s.recordMetrics.retries, s.recordMetrics.queued, s.recordMetrics.liveHashReads}
}

// record queues a LoginRecord. It is written in the background, so that
// the answer to a login takes the same time whether the user exists (and
// gets a record) or not, and whether kube-apiserver answers or not. The
// record's name is chosen here, so that a write retried after a timeout
// that kube-apiserver had in fact carried out finds it and adds no second
// record. A full queue drops the record, logs it and counts it.
func (s *Server) record(ctx context.Context, user string, at loginAttempt, success bool, reason string) {
	rec := &iamv1beta1.LoginRecord{
		ObjectMeta: metav1.ObjectMeta{Name: user + "-" + randomID()[:16], Labels: map[string]string{iamv1beta1.UserRefLabel: user},
			Annotations: map[string]string{iamv1beta1.AttemptedAtAnnotation: s.clock.Now().UTC().Format(time.RFC3339Nano)}},
		Spec: iamv1beta1.LoginRecordSpec{Type: at.kind, Provider: at.provider, SourceIP: truncate(at.sourceIP, 64),
			UserAgent: truncate(at.userAgent, 512), Success: success, Reason: reason},
	}
	select {
	case s.records <- rec:
	default:
		s.recordMetrics.dropped.Inc()
		s.log(ctx).Error(errors.New("the login record queue is full"), "Dropping a login record", "user", user)
	}
}

// RunRecorder writes queued login records until ctx ends. A write that
// fails because kube-apiserver is unreachable, slow or not ready is
// retried, with a delay that doubles up to recordRetryMaxDelay, until it
// succeeds; the records behind it wait in the queue.
func (s *Server) RunRecorder(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case rec := <-s.records:
			if !s.writeRecord(ctx, rec) {
				return
			}
		}
	}
}

// writeRecord writes one record, retrying, and returns false when ctx
// ended first.
func (s *Server) writeRecord(ctx context.Context, rec *iamv1beta1.LoginRecord) bool {
	log := ctrl.LoggerFrom(ctx).WithValues("user", rec.Labels[iamv1beta1.UserRefLabel], "loginRecord", rec.Name)
	delay := recordRetryInitial
	for attempt := 1; ; attempt++ {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordWriteTimeout)
		err := s.writer.Create(wctx, rec.DeepCopy())
		cancel()
		switch {
		case err == nil, apierrors.IsAlreadyExists(err):
			if attempt > 1 {
				log.Info("Wrote a login record after retrying", "attempts", attempt)
			}
			return true
		case apierrors.IsInvalid(err), apierrors.IsBadRequest(err):
			s.recordMetrics.dropped.Inc()
			log.Error(err, "Dropping a login record that kube-apiserver refused")
			return true
		}
		s.recordMetrics.retries.Inc()
		if attempt == 1 {
			log.Error(err, "Writing a login record failed; retrying until kube-apiserver takes it")
		} else {
			log.V(2).Info("Writing a login record failed again", "attempts", attempt, "reason", err.Error())
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(delay):
		}
		delay = min(2*delay, recordRetryMaxDelay)
	}
}
