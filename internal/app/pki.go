package app

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"odnookno/internal/signature"
)

// PKI is the platform's own key and the roots it trusts for staff and
// information-resource signatures.
type PKI struct {
	Dir      string
	Platform signature.Signer
	Verifier *signature.Verifier
	Roots    []string
}

// setupPKI loads the configured keys. When none are configured and the PKI
// folder is empty, it creates a development CA and a platform certificate
// there, so that a fresh checkout runs; production configures real ones.
func setupPKI(cfg Config, log *slog.Logger) (*PKI, error) {
	p := &PKI{Dir: cfg.PKIDir}
	cert, key := cfg.PlatformCert, cfg.PlatformKey
	if cert == "" {
		cert = filepath.Join(p.Dir, "platform.crt")
		key = filepath.Join(p.Dir, "platform.key")
		if _, err := os.Stat(cert); errors.Is(err, os.ErrNotExist) {
			if err := os.MkdirAll(p.Dir, 0o700); err != nil {
				return nil, err
			}
			if _, err := os.Stat(filepath.Join(p.Dir, "ca.crt")); errors.Is(err, os.ErrNotExist) {
				if err := signature.DevCA(p.Dir, time.Now()); err != nil {
					return nil, fmt.Errorf("pki: development CA: %w", err)
				}
				log.Warn("pki: created a DEVELOPMENT certificate authority; configure real keys for production", "dir", p.Dir)
			}
			if _, _, err := signature.Issue(p.Dir, signature.IssueRequest{Name: "Odnookno platform", Organization: "Оператор ОАИС", FileBase: "platform", ValidFor: 5 * 365 * 24 * time.Hour}); err != nil {
				return nil, fmt.Errorf("pki: platform certificate: %w", err)
			}
		}
	}
	s, err := signature.LoadSigner(cert, key)
	if err != nil {
		return nil, fmt.Errorf("pki: platform key: %w", err)
	}
	p.Platform = s
	p.Roots = splitComma(cfg.TrustedRoots)
	if len(p.Roots) == 0 {
		p.Roots = []string{filepath.Join(p.Dir, "ca.crt")}
	}
	roots, err := signature.LoadPool(p.Roots...)
	if err != nil {
		return nil, fmt.Errorf("pki: trusted roots: %w", err)
	}
	if p.Verifier, err = signature.NewVerifier(roots, nil, time.Now); err != nil {
		return nil, err
	}
	return p, nil
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
