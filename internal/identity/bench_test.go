package identity_test

import (
	"testing"
	"time"

	"odnookno/internal/identity"
	"odnookno/internal/store"
	"odnookno/internal/store/storetest"
)

// BenchmarkLogin measures whole logins (throttle check, Argon2id with the
// default parameters, session, audit record) from many clients at once;
// logins/s is the figure to compare with the expected peak load.
func BenchmarkLogin(b *testing.B) {
	for _, d := range storetest.Engines {
		b.Run(string(d), func(b *testing.B) {
			if d == store.Postgres {
				storetest.RequirePostgres(b)
			}
			db := storetest.Open(b, d, modules...)
			f := setup(b, db, func(o *identity.Options) { o.Hash = identity.DefaultHashParams })
			c, _ := f.activate(b, person(b, "Иванов"), "+375291234567")
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := f.svc.Login(bg, string(c.UID), staticPassword, f.client); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "logins/s")
		})
	}
}
