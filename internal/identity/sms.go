package identity

import (
	"context"
	"database/sql"
)

// SMS sends a text message to a phone as part of a transaction: the message
// exists exactly when the change that causes it commits (an outbox). The
// text is chosen by kind and lang from the notification templates and
// filled from params; secrets name the params (a code, a password) that
// must never be logged or shown to staff.
//
// The composition root adapts the notification outbox to it; this package
// depends only on the interface so it can be tested alone.
type SMS interface {
	SendTx(ctx context.Context, tx *sql.Tx, to Phone, kind, lang string, params map[string]any, secrets ...string) error
}

// SMS kinds and the params each one is sent with. The notification
// templates of the same names read exactly these params.
const (
	// SMSVerifyPhone: "code", "minutes" — the code the citizen tells the
	// issuance officer (p. 6, p. 15).
	SMSVerifyPhone = "uid.verify_phone"
	// SMSTempPassword: "password", "expires" (time.Time) — p. 8, p. 13.
	SMSTempPassword = "uid.temp_password"
	// SMSRecoveryCode: "code", "minutes" — p. 10.
	SMSRecoveryCode = "uid.recovery_code"
	// SMSPhoneChangeCode: "code", "minutes" — sent to the new number (p. 11).
	SMSPhoneChangeCode = "uid.phone_change_code"
	// SMSUnblockCode: "code", "minutes" — p. 13.
	SMSUnblockCode = "uid.unblock_code"
	// SMSBlocked: "at" (time.Time) — p. 12.
	SMSBlocked = "uid.blocked"
	// SMSPasswordChanged: "at" (time.Time).
	SMSPasswordChanged = "uid.password_changed"
	// SMSAttackWarning: "addr", "count" — repeated failed logins.
	SMSAttackWarning = "uid.attack_warning"
)

// SMSKinds lists every kind this package sends, for the composition root's
// check that each has a template.
var SMSKinds = []string{SMSVerifyPhone, SMSTempPassword, SMSRecoveryCode, SMSPhoneChangeCode,
	SMSUnblockCode, SMSBlocked, SMSPasswordChanged, SMSAttackWarning}
