package notify

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"odnookno/internal/identity"
)

// KeySize is the length of Options.Key: AES-256.
const KeySize = 32

// Mask stands for a secret wherever a person other than the recipient
// could read the text: logs, errors, the operator's console.
const Mask = "******"

// Wiped replaces the sealed secrets in a row once nobody will need them,
// so a later copy of the database (a backup, a replica) holds no usable
// temporary password or code.
const Wiped = "[удалено]"

// DeriveKey turns the platform secret into this package's own key, so a
// key leaked from one use (say, code hashing) does not open the outbox.
func DeriveKey(platformSecret []byte) ([]byte, error) {
	if len(platformSecret) < 16 {
		return nil, errors.New("notify: platform secret is too short to derive a key from")
	}
	return hkdf.Key(sha256.New, platformSecret, nil, "odnookno/notify/secrets/v1", KeySize)
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("notify: key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	return cipher.NewGCM(block)
}

// secretAD binds sealed secrets to the message they belong to: moved to a
// row with another recipient or kind they no longer open, so someone able
// to edit the table cannot redirect a code to their own phone.
func secretAD(channel, to, kind string) []byte {
	return []byte("odnookno/notify/v1\x00" + channel + "\x00" + to + "\x00" + kind)
}

func seal(aead cipher.AEAD, ad []byte, secrets map[string]string) (string, error) {
	if len(secrets) == 0 {
		return "", nil
	}
	plain, err := json.Marshal(secrets)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce) // never fails since Go 1.24
	return base64.StdEncoding.EncodeToString(aead.Seal(nonce, nonce, plain, ad)), nil
}

// errSecretsGone means the row's secrets were wiped or cannot be opened:
// there is nothing left that could be delivered.
var errSecretsGone = errors.New("notify: the message's secrets are no longer available")

func open(aead cipher.AEAD, ad []byte, sealed string) (map[string]string, error) {
	if sealed == "" {
		return map[string]string{}, nil
	}
	if sealed == Wiped {
		return nil, errSecretsGone
	}
	raw, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < aead.NonceSize() {
		return nil, errSecretsGone
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], ad)
	if err != nil {
		// Wrong key or tampered row; the cause stays out of the message
		// so nothing about the ciphertext reaches a log.
		return nil, errSecretsGone
	}
	out := map[string]string{}
	if err := json.Unmarshal(plain, &out); err != nil {
		return nil, errSecretsGone
	}
	return out, nil
}

// scrubber removes from a text everything the people reading logs and the
// console must not see: the secret values, and the full recipient. It is
// applied to every error from a channel, because gateways do echo the
// request they refused.
func scrubber(channel, to string, secrets map[string]string) *strings.Replacer {
	var pairs []string
	for _, v := range secrets {
		if v != "" {
			pairs = append(pairs, v, Mask)
		}
	}
	if to != "" {
		pairs = append(pairs, to, maskRecipient(channel, to))
		if channel == ChannelSMS {
			// Gateways often print the number without the plus.
			pairs = append(pairs, strings.TrimPrefix(to, "+"), maskRecipient(channel, to))
		}
	}
	return strings.NewReplacer(pairs...)
}

// maskRecipient is how a recipient appears in logs and the console: enough
// to tell "the same person" and "the right number" apart, not enough to
// contact them.
func maskRecipient(channel, to string) string {
	switch channel {
	case ChannelSMS:
		return identity.Phone(to).Masked()
	case ChannelEmail:
		return maskEmail(to)
	}
	return to
}

func maskEmail(addr string) string {
	a, err := mail.ParseAddress(addr)
	if err != nil {
		return "***"
	}
	local, domain, ok := strings.Cut(a.Address, "@")
	if !ok || local == "" {
		return "***"
	}
	first, _ := firstRune(local)
	return first + "***@" + domain
}

func firstRune(s string) (string, bool) {
	for _, r := range s {
		return string(r), true
	}
	return "", false
}
