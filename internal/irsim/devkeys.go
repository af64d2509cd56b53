package irsim

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"odnookno/internal/signature"
)

// Keys are the development key files both sides of the demo load: the
// platform signs requests with its key and trusts CA for answers, each
// simulated resource signs with its own key and trusts CA for requests.
type Keys struct {
	Dir      string
	CA       string // ca.crt, the one root both sides trust
	Platform KeyFiles
	// Resources maps a resource name ("mvd", …) to its key pair.
	Resources map[string]KeyFiles
}

// KeyFiles is a certificate and its unencrypted private key, both PEM.
type KeyFiles struct {
	Cert, Key string
}

// devValidity matches the platform's own development certificate, so a
// demo checkout keeps working for years without re-issuing.
const devValidity = 5 * 365 * 24 * time.Hour

// resourceNames are the certificate subjects of the simulated resources:
// recognisable in a certificate viewer and in the platform's archive.
var resourceNames = map[string]string{
	ResourceMVD:       "МВД: регистр персональных данных (симулятор)",
	ResourceResidence: "Регистр населения: место жительства (симулятор)",
	ResourceProperty:  "ЕГРНИ: регистр недвижимости (симулятор)",
}

// DevKeys makes sure dir holds a development CA (signature.DevCA), the
// platform's key pair (platform.crt/.key, the same files the platform
// creates for itself in its PKI folder) and one key pair per resource
// (irsim-<resource>.crt/.key), creating whatever is missing and never
// overwriting anything. Pointing the platform and the simulator at the same
// dir gives both sides matching trust with no manual step.
//
// A resource certificate has O "Odnookno IR simulator" and OU the resource
// name, so the platform can check that an answer from "mvd" was signed by
// the mvd key and not by another resource's.
func DevKeys(dir string) (Keys, error) {
	k := Keys{
		Dir:       dir,
		CA:        filepath.Join(dir, "ca.crt"),
		Platform:  KeyFiles{Cert: filepath.Join(dir, "platform.crt"), Key: filepath.Join(dir, "platform.key")},
		Resources: make(map[string]KeyFiles),
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Keys{}, fmt.Errorf("irsim: dev keys: %w", err)
	}
	if !exists(k.CA) {
		// DevCA refuses a lone ca.key, which would otherwise be orphaned.
		if err := signature.DevCA(dir, time.Now()); err != nil {
			return Keys{}, fmt.Errorf("irsim: dev keys: %w", err)
		}
	}
	if err := ensure(dir, k.Platform, signature.IssueRequest{
		Name: "Odnookno platform", Organization: "Оператор ОАИС", FileBase: "platform", ValidFor: devValidity,
	}); err != nil {
		return Keys{}, err
	}
	for _, res := range Resources() {
		base := "irsim-" + res
		kf := KeyFiles{Cert: filepath.Join(dir, base+".crt"), Key: filepath.Join(dir, base+".key")}
		if err := ensure(dir, kf, signature.IssueRequest{
			Name: resourceNames[res], Organization: "Odnookno IR simulator", Unit: res, FileBase: base, ValidFor: devValidity,
		}); err != nil {
			return Keys{}, err
		}
		k.Resources[res] = kf
	}
	return k, nil
}

func ensure(dir string, kf KeyFiles, req signature.IssueRequest) error {
	switch c, key := exists(kf.Cert), exists(kf.Key); {
	case c && key:
		return nil
	case c != key:
		return fmt.Errorf("irsim: dev keys: only half of the pair %s / %s exists; remove it to re-issue", kf.Cert, kf.Key)
	}
	if _, _, err := signature.Issue(dir, req); err != nil {
		return fmt.Errorf("irsim: dev keys: %w", err)
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil || !errors.Is(err, fs.ErrNotExist)
}

// Roots loads the CA certificate, for either side's signature.NewVerifier
// or Config.PlatformRoots.
func (k Keys) Roots() ([]*x509.Certificate, error) {
	return signature.LoadPool(k.CA)
}

// PlatformSigner loads the platform's key, to seal requests in tests and
// demo scripts.
func (k Keys) PlatformSigner() (signature.Signer, error) {
	return signature.LoadSigner(k.Platform.Cert, k.Platform.Key)
}

// ServerConfig is a Config trusting the CA for requests and signing each
// resource's answers with its own key; the caller adds address, latency and
// failures.
func (k Keys) ServerConfig() (Config, error) {
	roots, err := k.Roots()
	if err != nil {
		return Config{}, fmt.Errorf("irsim: %w", err)
	}
	cfg := Config{PlatformRoots: roots, ResourceSigners: make(map[string]signature.Signer)}
	for res, kf := range k.Resources {
		s, err := signature.LoadSigner(kf.Cert, kf.Key)
		if err != nil {
			return Config{}, fmt.Errorf("irsim: %s key: %w", res, err)
		}
		cfg.ResourceSigners[res] = s
	}
	return cfg, nil
}
