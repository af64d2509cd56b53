package interop

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"time"
)

// ServiceStats is the operator's view of one service of a resource over a
// window.
type ServiceStats struct {
	Resource string
	Service  string
	Requests int // made in the window, every channel
	Answered int
	Failed   int
	Open     int
	// SuccessRate is Answered over the requests that ended (answered or
	// failed); NaN when none ended.
	SuccessRate float64
	// P50 and P95 are the latencies of answers over the integration, from
	// the first attempt to the accepted answer (nearest rank).
	P50, P95 time.Duration
	// Late counts requests that passed their answer term: still waiting, or
	// answered after it.
	Late        int
	LastError   string
	LastErrorAt time.Time
}

// Stats summarises requests made since since, per resource and service;
// every registered service is listed, with zeros when it had no requests.
func (s *Service) Stats(ctx context.Context, since time.Time) ([]ServiceStats, error) {
	byKey := map[[2]string]*ServiceStats{}
	var order [][2]string
	get := func(res, svc string) *ServiceStats {
		k := [2]string{res, svc}
		st, ok := byKey[k]
		if !ok {
			st = &ServiceStats{Resource: res, Service: svc}
			byKey[k] = st
			order = append(order, k)
		}
		return st
	}
	svcs, err := s.services(ctx, s.db.R, "")
	if err != nil {
		return nil, err
	}
	for _, list := range svcs {
		for _, sv := range list {
			get(sv.Resource, sv.Code)
		}
	}
	rows, err := s.db.R.QueryContext(ctx, `SELECT resource, service, channel, state, answer_status, sent_at, answered_at,
		was_late, last_error, last_error_at FROM interop_requests WHERE created_at >= $1`, since.UTC())
	if err != nil {
		return nil, fmt.Errorf("interop: stats: %w", err)
	}
	defer rows.Close()
	latencies := map[[2]string][]time.Duration{}
	for rows.Next() {
		var res, svc, channel, state, status, lastErr string
		var sent, answered, lastErrAt sql.NullTime
		var late bool
		if err := rows.Scan(&res, &svc, &channel, &state, &status, &sent, &answered, &late, &lastErr, &lastErrAt); err != nil {
			return nil, err
		}
		st := get(res, svc)
		st.Requests++
		switch state {
		case StateAnswered:
			st.Answered++
		case StateFailed:
			st.Failed++
		default:
			st.Open++
		}
		if late || state == StateLate {
			st.Late++
		}
		if lastErr != "" && lastErrAt.Valid && !lastErrAt.Time.Before(st.LastErrorAt) {
			st.LastError, st.LastErrorAt = lastErr, lastErrAt.Time.UTC()
		}
		if state == StateAnswered && channel == ChannelHTTP && status != AnswerManual && status != AnswerDocument &&
			sent.Valid && answered.Valid {
			k := [2]string{res, svc}
			latencies[k] = append(latencies[k], answered.Time.Sub(sent.Time))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]ServiceStats, 0, len(order))
	for _, k := range order {
		st := byKey[k]
		st.SuccessRate = math.NaN()
		if ended := st.Answered + st.Failed; ended > 0 {
			st.SuccessRate = float64(st.Answered) / float64(ended)
		}
		if l := latencies[k]; len(l) > 0 {
			slices.Sort(l)
			st.P50, st.P95 = percentile(l, 50), percentile(l, 95)
		}
		out = append(out, *st)
	}
	slices.SortFunc(out, func(a, b ServiceStats) int {
		return cmp.Or(cmp.Compare(a.Resource, b.Resource), cmp.Compare(a.Service, b.Service))
	})
	return out, nil
}

// percentile is the nearest-rank p-th percentile of sorted values.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := int(math.Ceil(float64(p) / 100 * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}
