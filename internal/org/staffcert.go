package org

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"odnookno/internal/audit"
)

// SetCertSerial records the serial number of the signing certificate a
// staff member uses: a decision they sign must bear it, and the operator
// checks it before asking for access to an information resource (P3.3).
// Setting the serial already recorded changes nothing and audits nothing.
func (s *Service) SetCertSerial(ctx context.Context, staffID int64, serial string, by audit.Actor) (Staff, error) {
	st, err := s.StaffByID(ctx, staffID)
	if err != nil {
		return Staff{}, err
	}
	serial = strings.TrimSpace(serial)
	if strings.EqualFold(st.CertSerial, serial) {
		return st, nil
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE staff SET cert_serial = $1 WHERE id = $2", serial, staffID); err != nil {
			return fmt.Errorf("org: set certificate: %w", err)
		}
		_, err := s.audit.Append(ctx, tx, audit.Entry{Actor: by, Action: "staff.certificate", ObjectType: "staff", ObjectID: st.Login,
			Details: map[string]any{"cert_serial": serial, "previous": st.CertSerial}})
		return err
	})
	if err != nil {
		return Staff{}, err
	}
	return s.StaffByID(ctx, staffID)
}

// StaffOfBody lists the accounts of a body by name, for choosing whom to
// assign a case to.
func (s *Service) StaffOfBody(ctx context.Context, bodyCode string) ([]Staff, error) {
	rows, err := s.db.R.QueryContext(ctx, "SELECT "+staffCols+`, s.password_hash FROM staff s JOIN bodies b ON b.id = s.body_id
		WHERE b.code = $1 ORDER BY s.full_name, s.id`, bodyCode)
	if err != nil {
		return nil, fmt.Errorf("org: staff of body: %w", err)
	}
	defer rows.Close()
	var out []Staff
	for rows.Next() {
		st, _, err := scanStaff(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}
