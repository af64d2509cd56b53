package interop

import "github.com/prometheus/client_golang/prometheus"

// metrics belong to the Service rather than to a global registry, so tests
// and several services in one process never collide on registration.
type metrics struct {
	requests      *prometheus.CounterVec
	refused       *prometheus.CounterVec
	answers       *prometheus.CounterVec
	rejected      *prometheus.CounterVec
	attemptErrors *prometheus.CounterVec
	late          *prometheus.CounterVec
	latency       *prometheus.HistogramVec
}

func newMetrics() *metrics {
	return &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "odnookno_interop_requests_total",
			Help: "Inter-agency requests made, by resource, service and channel.",
		}, []string{"resource", "service", "channel"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "odnookno_interop_requests_refused_total",
			Help: "Requests over the integration refused because the user holds no approved grant.",
		}, []string{"resource", "service"}),
		answers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "odnookno_interop_answers_total",
			Help: "Requests closed, by outcome: answered, rejected (answer not trusted), failed.",
		}, []string{"resource", "service", "outcome"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "odnookno_interop_answers_rejected_total",
			Help: "ALERT: answers whose signature or binding to the request did not hold; any rise needs investigation.",
		}, []string{"resource", "kind"}),
		attemptErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "odnookno_interop_attempt_errors_total",
			Help: "Attempts that found the resource unavailable and will be retried.",
		}, []string{"resource"}),
		late: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "odnookno_interop_requests_late_total",
			Help: "Requests that passed their answer term unanswered.",
		}, []string{"resource", "service"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "odnookno_interop_answer_seconds",
			Help:    "Time from the first attempt to the accepted answer over the integration.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 86400},
		}, []string{"resource", "service"}),
	}
}

// Collectors returns the metrics for the server's registry.
func (s *Service) Collectors() []prometheus.Collector {
	m := s.metrics
	return []prometheus.Collector{m.requests, m.refused, m.answers, m.rejected, m.attemptErrors, m.late, m.latency}
}
