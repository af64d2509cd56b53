package app

import (
	"crypto/hkdf"
	"crypto/sha256"
	"time"

	"odnookno/internal/identity"
	"odnookno/internal/web"
)

// hashParams are the Argon2id parameters of new password hashes; what is
// not configured stays at identity.DefaultHashParams.
func hashParams(u UIDConfig) identity.HashParams {
	p := identity.DefaultHashParams
	if u.HashMemory > 0 {
		p.Memory = uint32(u.HashMemory)
	}
	if u.HashIterations > 0 {
		p.Iterations = uint32(u.HashIterations)
	}
	if u.HashParallelism > 0 {
		p.Parallelism = uint8(min(u.HashParallelism, 255))
	}
	return p
}

// buildIdentity wires the UID lifecycle and returns its web areas (the
// citizen's cabinet and the issuance service's workspace).
//
// The interior ministry's register is the signed exchange with mvd/person
// (s.MVD; in demo mode the simulated resources of internal/irsim);
// identity's own fixed register (identity.TestPeople) stands in only when
// none was wired.
func (s *System) buildIdentity() ([]web.Area, error) {
	key, err := hkdf.Key(sha256.New, s.Secret, nil, "odnookno/identity/codes/v1", 32)
	if err != nil {
		return nil, err
	}
	u := s.Config.UID
	o := identity.Options{
		Hash:            hashParams(u),
		CodeKey:         key,
		TempPasswordTTL: u.TempPasswordTTL,
		CodeTTL:         u.CodeTTL,
		CodeAttempts:    u.CodeAttempts,
		Throttle: identity.ThrottleOptions{
			UIDFree:  u.LoginFree,
			AddrFree: 4 * u.LoginFree,
			Delay:    u.LoginDelay,
			MaxDelay: u.LoginMaxDelay,
		},
	}
	var reg identity.Registry = identity.NewSimRegistry()
	if s.MVD != nil {
		reg = s.MVD
	}
	s.Identity, err = identity.New(identity.Deps{DB: s.DB, Audit: s.Audit, Sessions: s.Sessions, Docs: s.Docs,
		SMS: smsAdapter{s.Notify}, Registry: reg, Now: time.Now}, o)
	if err != nil {
		return nil, err
	}
	return []web.Area{&web.IdentityCabinet{ID: s.Identity}, &web.IdentityIssuance{ID: s.Identity}}, nil
}
