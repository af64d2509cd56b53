// Package caldb keeps the years of the national calendar that the operator
// loads at run time, so a new year's holidays and transfers take effect
// without a release.
package caldb

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"sync"
	"time"

	"odnookno/internal/calendar"
	"odnookno/internal/store"
)

//go:embed migrations
var migrations embed.FS

// Module is this package's migrations.
var Module = store.NewModule("calendar", migrations)

// Load parses a calendar file and stores each of its years, replacing a
// stored year of the same number. It changes nothing when the file is invalid.
func Load(ctx context.Context, db *store.DB, data []byte, source, actor string, now time.Time) ([]int, error) {
	cal, err := calendar.Parse(data)
	if err != nil {
		return nil, err
	}
	years := cal.Years()
	err = db.Tx(ctx, func(tx *sql.Tx) error {
		for _, y := range years {
			js, err := cal.YearJSON(y)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO calendar_years (year, data, source, loaded_at, loaded_by)
				VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (year) DO UPDATE SET data = excluded.data, source = excluded.source,
					loaded_at = excluded.loaded_at, loaded_by = excluded.loaded_by`,
				y, string(js), source, now.UTC(), actor)
			if err != nil {
				return fmt.Errorf("caldb: store year %d: %w", y, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return years, nil
}

// Current is the embedded calendar with every stored year merged over it.
func Current(ctx context.Context, db *store.DB) (*calendar.Calendar, error) {
	base, err := calendar.Default()
	if err != nil {
		return nil, err
	}
	rows, err := db.R.QueryContext(ctx, "SELECT year, data FROM calendar_years ORDER BY year")
	if err != nil {
		return nil, fmt.Errorf("caldb: read years: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var y int
		var data string
		if err := rows.Scan(&y, &data); err != nil {
			return nil, err
		}
		c, err := calendar.Parse([]byte(data))
		if err != nil {
			return nil, fmt.Errorf("caldb: stored year %d: %w", y, err)
		}
		base = base.Merge(c)
	}
	return base, rows.Err()
}

// Provider hands out the current calendar and notices years loaded by
// another process (the CLI beside a running server) within Refresh.
type Provider struct {
	db      *store.DB
	refresh time.Duration

	mu      sync.Mutex
	cal     *calendar.Calendar
	stamp   string
	checked time.Time
}

// NewProvider loads the calendar now, failing fast on bad stored data.
func NewProvider(ctx context.Context, db *store.DB, refresh time.Duration) (*Provider, error) {
	p := &Provider{db: db, refresh: refresh}
	if _, err := p.Calendar(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// Calendar returns the calendar in force.
func (p *Provider) Calendar(ctx context.Context) (*calendar.Calendar, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cal != nil && time.Since(p.checked) < p.refresh {
		return p.cal, nil
	}
	var n int
	var last sql.NullString
	if err := p.db.R.QueryRowContext(ctx, "SELECT COUNT(*), CAST(MAX(loaded_at) AS TEXT) FROM calendar_years").Scan(&n, &last); err != nil {
		return nil, fmt.Errorf("caldb: check: %w", err)
	}
	stamp := fmt.Sprintf("%d/%s", n, last.String)
	if p.cal == nil || stamp != p.stamp {
		c, err := Current(ctx, p.db)
		if err != nil {
			return nil, err
		}
		p.cal, p.stamp = c, stamp
	}
	p.checked = time.Now()
	return p.cal, nil
}
