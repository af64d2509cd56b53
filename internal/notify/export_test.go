package notify

import "time"

// RetryDelay exposes the backoff schedule to the external tests.
func (s *Service) RetryDelay(attempt int) time.Duration { return s.retryDelay(attempt) }

// DeliverJob is the job EnqueueTx schedules, so a test can schedule a
// second one for the same message.
func DeliverJob(id int64) deliverArgs { return deliverArgs{MessageID: id} }
