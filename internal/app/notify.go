package app

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"odnookno/internal/identity"
	"odnookno/internal/jobs"
	"odnookno/internal/notify"
	"odnookno/internal/store"
)

// platformSecret returns the secret that keys sealed SMS secrets and code
// hashes: ODNOOKNO_SECRET, or a random one kept in DATA_DIR/secret.key so
// that a restart can still read what was sealed before it.
func platformSecret(cfg Config) ([]byte, error) {
	if cfg.Secret != "" {
		if len(cfg.Secret) < 32 {
			return nil, errors.New("ODNOOKNO_SECRET must be at least 32 characters")
		}
		return []byte(cfg.Secret), nil
	}
	path := filepath.Join(cfg.DataDir, "secret.key")
	b, err := os.ReadFile(path)
	if err == nil {
		s, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(s) < 32 {
			return nil, fmt.Errorf("%s: not a 32-byte hex secret", path)
		}
		return s, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	s := make([]byte, 32)
	if _, err := rand.Read(s); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(hex.EncodeToString(s)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return s, nil
}

func smsSender(cfg Config, log *slog.Logger) (notify.SMSSender, error) {
	switch cfg.SMS {
	case "file", "":
		path := cfg.SMSFile
		if path == "" {
			path = filepath.Join(cfg.DataDir, "sms.log")
		}
		return &notify.FileSender{Path: path, Logger: log}, nil
	case "http":
		if cfg.SMSURL == "" {
			return nil, errors.New("--sms http needs --sms-url")
		}
		return &notify.HTTPGateway{URL: cfg.SMSURL, Token: cfg.SMSToken, BodyTemplate: cfg.SMSBody, Header: cfg.SMSHeader}, nil
	case "off":
		return nil, nil
	}
	return nil, fmt.Errorf("--sms: unknown sender %q (file, http or off)", cfg.SMS)
}

func emailSender(cfg Config) (notify.EmailSender, error) {
	if cfg.SMTPHost == "" {
		return nil, nil
	}
	s := &notify.SMTPSender{Host: cfg.SMTPHost, Port: cfg.SMTPPort, Username: cfg.SMTPUser, Password: cfg.SMTPPassword,
		From: cfg.SMTPFrom, TLS: notify.TLSPolicy(cfg.SMTPTLS)}
	if err := s.Check(); err != nil {
		return nil, err
	}
	return s, nil
}

// smsAdapter lets identity send SMS through the outbox.
type smsAdapter struct{ n *notify.Service }

func (a smsAdapter) SendTx(ctx context.Context, tx *sql.Tx, to identity.Phone, kind, lang string, params map[string]any, secrets ...string) error {
	_, err := a.n.EnqueueTx(ctx, tx, notify.Message{Channel: notify.ChannelSMS, To: string(to), Kind: kind, Lang: lang, Params: params, Secret: secrets})
	return err
}

func buildNotify(cfg Config, log *slog.Logger, db *store.DB, q *jobs.Queue, secret []byte) (*notify.Service, error) {
	sms, err := smsSender(cfg, log)
	if err != nil {
		return nil, err
	}
	mail, err := emailSender(cfg)
	if err != nil {
		return nil, err
	}
	key, err := notify.DeriveKey(secret)
	if err != nil {
		return nil, err
	}
	o := notify.Options{Email: mail, BaseURL: cfg.BaseURL, Key: key, Logger: log}
	if sms != nil {
		o.SMS = sms
	}
	return notify.New(db, q, o)
}
