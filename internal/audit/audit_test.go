package audit_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"odnookno/internal/audit"
	"odnookno/internal/store"
	"odnookno/internal/store/storetest"
)

var officer = audit.Actor{ID: "staff-7", Role: audit.RoleOfficer, Body: "Мингорисполком"}

func setup(t *testing.T, db *store.DB, n int) *audit.Log {
	t.Helper()
	clock := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	l := audit.New(db, func() time.Time { clock = clock.Add(time.Second); return clock })
	ctx := audit.WithClientAddr(audit.WithActor(context.Background(), officer), "10.1.2.3")
	for i := 1; i <= n; i++ {
		err := l.Record(ctx, audit.Entry{
			Action: "case.read", SubjectUID: fmt.Sprintf("3270287A0%02dPB2", i), CaseNumber: fmt.Sprintf("MGI-2026-%05d", i),
			Reason: "рассмотрение заявления", Details: map[string]any{"fields": []string{"адрес", "телефон"}, "n": i},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return l
}

func wantProblem(t *testing.T, l *audit.Log, seq int64) {
	t.Helper()
	_, err := l.Verify(context.Background())
	var p *audit.Problem
	if !errors.As(err, &p) {
		t.Fatalf("tampering not detected: %v", err)
	}
	if p.Seq != seq {
		t.Fatalf("first bad record %d, want %d (%s)", p.Seq, seq, p.Reason)
	}
}

func TestChain(t *testing.T) {
	for _, dialect := range storetest.Engines {
		t.Run(string(dialect), func(t *testing.T) {
			t.Run("intact chain verifies", func(t *testing.T) {
				l := setup(t, storetest.Open(t, dialect, audit.Module), 5)
				n, err := l.Verify(context.Background())
				if err != nil || n != 5 {
					t.Fatalf("verify: %d records, %v", n, err)
				}
			})
			t.Run("edited record", func(t *testing.T) {
				d := storetest.Open(t, dialect, audit.Module)
				l := setup(t, d, 5)
				storetest.Exec(t, d, "UPDATE audit_log SET actor_id = 'someone-else' WHERE seq = 3")
				wantProblem(t, l, 3)
			})
			t.Run("edited details", func(t *testing.T) {
				d := storetest.Open(t, dialect, audit.Module)
				l := setup(t, d, 5)
				storetest.Exec(t, d, `UPDATE audit_log SET details = '{"n":2}' WHERE seq = 2`)
				wantProblem(t, l, 2)
			})
			t.Run("edited and rehashed record breaks the next link", func(t *testing.T) {
				d := storetest.Open(t, dialect, audit.Module)
				l := setup(t, d, 5)
				// A forger who rewrites a hash still cannot fix the successor.
				storetest.Exec(t, d, "UPDATE audit_log SET hash = 'ff' WHERE seq = 2")
				wantProblem(t, l, 2)
			})
			t.Run("deleted record", func(t *testing.T) {
				d := storetest.Open(t, dialect, audit.Module)
				l := setup(t, d, 5)
				storetest.Exec(t, d, "DELETE FROM audit_log WHERE seq = 3")
				wantProblem(t, l, 3)
			})
			t.Run("inserted record", func(t *testing.T) {
				d := storetest.Open(t, dialect, audit.Module)
				l := setup(t, d, 5)
				for s := 5; s >= 3; s-- {
					storetest.Exec(t, d, "UPDATE audit_log SET seq = seq + 1 WHERE seq = $1", s)
				}
				storetest.Exec(t, d, `INSERT INTO audit_log (seq, at, actor_id, actor_role, action, prev_hash, hash)
				SELECT 3, at, 'intruder', 'operator', 'case.read', hash, 'x' FROM audit_log WHERE seq = 2`)
				wantProblem(t, l, 3)
			})
			t.Run("reordered records", func(t *testing.T) {
				d := storetest.Open(t, dialect, audit.Module)
				l := setup(t, d, 5)
				storetest.Exec(t, d, "UPDATE audit_log SET seq = 100 WHERE seq = 2")
				storetest.Exec(t, d, "UPDATE audit_log SET seq = 2 WHERE seq = 3")
				storetest.Exec(t, d, "UPDATE audit_log SET seq = 3 WHERE seq = 100")
				wantProblem(t, l, 2)
			})
			t.Run("removed tail", func(t *testing.T) {
				d := storetest.Open(t, dialect, audit.Module)
				l := setup(t, d, 5)
				storetest.Exec(t, d, "DELETE FROM audit_log WHERE seq >= 4")
				wantProblem(t, l, 4)
			})
			t.Run("rolled back change leaves no record", func(t *testing.T) {
				d := storetest.Open(t, dialect, audit.Module)
				l := setup(t, d, 1)
				boom := errors.New("boom")
				err := d.Tx(context.Background(), func(tx *sql.Tx) error {
					if _, err := l.Append(context.Background(), tx, audit.Entry{Actor: officer, Action: "case.decide"}); err != nil {
						return err
					}
					return boom
				})
				if !errors.Is(err, boom) {
					t.Fatal(err)
				}
				if n, err := l.Verify(context.Background()); err != nil || n != 1 {
					t.Fatalf("%d records, %v", n, err)
				}
			})
			t.Run("concurrent appends keep one chain", func(t *testing.T) {
				d := storetest.Open(t, dialect, audit.Module)
				l := audit.New(d, nil)
				var wg sync.WaitGroup
				for i := range 30 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if err := l.Record(context.Background(), audit.Entry{Actor: officer, Action: "case.read", ObjectID: fmt.Sprint(i)}); err != nil {
							t.Error(err)
						}
					}()
				}
				wg.Wait()
				if n, err := l.Verify(context.Background()); err != nil || n != 30 {
					t.Fatalf("%d records, %v", n, err)
				}
			})
			t.Run("queryable by subject", func(t *testing.T) {
				d := storetest.Open(t, dialect, audit.Module)
				l := setup(t, d, 3)
				rs, err := l.List(context.Background(), audit.Query{SubjectUID: "3270287A002PB2"})
				if err != nil {
					t.Fatal(err)
				}
				if len(rs) != 1 || rs[0].Actor != officer || rs[0].CaseNumber != "MGI-2026-00002" || rs[0].ClientAddr != "10.1.2.3" || rs[0].Reason == "" {
					t.Fatalf("got %+v", rs)
				}
			})
		})
	}
}
