package notify

import "github.com/prometheus/client_golang/prometheus"

// metrics belong to the Service rather than to a global registry, so tests
// and several services in one process never collide on registration.
type metrics struct {
	messages *prometheus.CounterVec
	errors   *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "odnookno_notify_messages_total",
			Help: "Messages that left the outbox, by channel and outcome (sent, or failed for good).",
		}, []string{"channel", "status"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "odnookno_notify_delivery_errors_total",
			Help: "Failed delivery attempts by channel; a rise with no failed messages is a gateway outage being ridden out.",
		}, []string{"channel"}),
	}
	// Every series exists from the start, so a rate() over a channel that
	// has not failed yet is 0 rather than absent.
	for _, ch := range []string{ChannelSMS, ChannelEmail, ChannelInbox} {
		for _, st := range []string{StatusSent, StatusFailed} {
			m.messages.WithLabelValues(ch, st)
		}
		m.errors.WithLabelValues(ch)
	}
	return m
}

// Collectors returns the outbox metrics for the server's registry.
func (s *Service) Collectors() []prometheus.Collector {
	return []prometheus.Collector{s.metrics.messages, s.metrics.errors}
}
