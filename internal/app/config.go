package app

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Config is everything the binary can be told. Each field has an
// environment variable; a command-line flag of the same name overrides it.
type Config struct {
	DB       string // ODNOOKNO_DB: SQLite file path or postgres:// URL
	Addr     string // ODNOOKNO_ADDR
	BaseURL  string // ODNOOKNO_BASE_URL: public address used in links, SMS and documents
	DataDir  string // ODNOOKNO_DATA_DIR: demo SMS file, uploaded files, keys
	LogLevel string // ODNOOKNO_LOG_LEVEL: debug, info, warn, error
	Demo     bool   // ODNOOKNO_DEMO: load demo data once at start

	ShutdownTimeout time.Duration // ODNOOKNO_SHUTDOWN_TIMEOUT
	// CalendarRefresh is how soon a running server notices a calendar year
	// loaded by `odnookno calendar load`.
	CalendarRefresh time.Duration // ODNOOKNO_CALENDAR_REFRESH

	PKIDir       string // ODNOOKNO_PKI_DIR: development CA and platform key (default DATA_DIR/pki)
	PlatformCert string // ODNOOKNO_PLATFORM_CERT
	PlatformKey  string // ODNOOKNO_PLATFORM_KEY
	TrustedRoots string // ODNOOKNO_TRUSTED_ROOTS: comma-separated PEM files

	Secret string // ODNOOKNO_SECRET: platform secret (default: generated into DATA_DIR/secret.key)

	SMS       string // ODNOOKNO_SMS: file, http or off
	SMSFile   string // ODNOOKNO_SMS_FILE
	SMSURL    string // ODNOOKNO_SMS_URL
	SMSToken  string // ODNOOKNO_SMS_TOKEN
	SMSHeader string // ODNOOKNO_SMS_HEADER
	SMSBody   string // ODNOOKNO_SMS_BODY

	SMTPHost     string // ODNOOKNO_SMTP_HOST: empty disables e-mail
	SMTPPort     int    // ODNOOKNO_SMTP_PORT
	SMTPUser     string // ODNOOKNO_SMTP_USER
	SMTPPassword string // ODNOOKNO_SMTP_PASSWORD
	SMTPFrom     string // ODNOOKNO_SMTP_FROM
	SMTPTLS      string // ODNOOKNO_SMTP_TLS

	// WarnDays is how many working days before a due date the officer is
	// warned (ODNOOKNO_WARN_DAYS).
	WarnDays int

	IRURL string // ODNOOKNO_IR_URL: base URL of the information resources (demo: simulated in-process)

	SessionIdle     time.Duration // ODNOOKNO_SESSION_IDLE
	SessionAbsolute time.Duration // ODNOOKNO_SESSION_ABSOLUTE

	// The UID lifecycle (R637-UID); zero values take identity's defaults.
	UID UIDConfig
}

// UIDConfig tunes passwords, SMS codes and login throttling.
type UIDConfig struct {
	TempPasswordTTL time.Duration // ODNOOKNO_UID_TEMP_PASSWORD_TTL
	CodeTTL         time.Duration // ODNOOKNO_UID_CODE_TTL
	CodeAttempts    int           // ODNOOKNO_UID_CODE_ATTEMPTS
	HashMemory      int           // ODNOOKNO_HASH_MEMORY, KiB
	HashIterations  int           // ODNOOKNO_HASH_ITERATIONS
	HashParallelism int           // ODNOOKNO_HASH_PARALLELISM
	LoginFree       int           // ODNOOKNO_LOGIN_FREE_FAILURES
	LoginDelay      time.Duration // ODNOOKNO_LOGIN_DELAY
	LoginMaxDelay   time.Duration // ODNOOKNO_LOGIN_MAX_DELAY
}

// env describes one setting for flags, the environment and the README table.
type env struct {
	name, flag, def, help string
}

var settings = []env{
	{"ODNOOKNO_DB", "db", "odnookno.db", "database: a SQLite file path, or a postgres:// URL"},
	{"ODNOOKNO_ADDR", "addr", "127.0.0.1:8080", "address to listen on"},
	{"ODNOOKNO_BASE_URL", "base-url", "", "public base URL (default http://ADDR)"},
	{"ODNOOKNO_DATA_DIR", "data-dir", "odnookno-data", "folder for files, keys and the demo SMS outbox"},
	{"ODNOOKNO_LOG_LEVEL", "log-level", "info", "log level: debug, info, warn, error"},
	{"ODNOOKNO_DEMO", "demo", "false", "load demo data (once; running again changes nothing)"},
	{"ODNOOKNO_SHUTDOWN_TIMEOUT", "shutdown-timeout", "20s", "how long running requests and jobs may finish on shutdown"},
	{"ODNOOKNO_PKI_DIR", "pki-dir", "", "folder of the development CA and platform key (default DATA_DIR/pki)"},
	{"ODNOOKNO_PLATFORM_CERT", "platform-cert", "", "the platform's signing certificate (PEM); default: created in the PKI folder"},
	{"ODNOOKNO_PLATFORM_KEY", "platform-key", "", "the platform's signing key (PEM, PKCS#8)"},
	{"ODNOOKNO_TRUSTED_ROOTS", "trusted-roots", "", "comma-separated PEM files of trusted root certificates (default: PKI_DIR/ca.crt)"},
	{"ODNOOKNO_SECRET", "secret", "", "platform secret, 32+ characters (default: generated into DATA_DIR/secret.key)"},
	{"ODNOOKNO_SMS", "sms", "file", "SMS sender: file (demo: DATA_DIR/sms.log), http (a gateway) or off"},
	{"ODNOOKNO_SMS_FILE", "sms-file", "", "file of the demo SMS sender (default DATA_DIR/sms.log)"},
	{"ODNOOKNO_SMS_URL", "sms-url", "", "URL of the HTTP SMS gateway"},
	{"ODNOOKNO_SMS_TOKEN", "sms-token", "", "token for the HTTP SMS gateway"},
	{"ODNOOKNO_SMS_HEADER", "sms-header", "", "header carrying the token (default Authorization: Bearer)"},
	{"ODNOOKNO_SMS_BODY", "sms-body", "", "request body template of the gateway (default {\"to\":…,\"text\":…})"},
	{"ODNOOKNO_SMTP_HOST", "smtp-host", "", "SMTP relay host; empty disables e-mail"},
	{"ODNOOKNO_SMTP_PORT", "smtp-port", "587", "SMTP port"},
	{"ODNOOKNO_SMTP_USER", "smtp-user", "", "SMTP user name"},
	{"ODNOOKNO_SMTP_PASSWORD", "smtp-password", "", "SMTP password"},
	{"ODNOOKNO_SMTP_FROM", "smtp-from", "", "sender address of e-mail"},
	{"ODNOOKNO_SMTP_TLS", "smtp-tls", "mandatory", "SMTP TLS: mandatory, opportunistic, implicit or none"},
	{"ODNOOKNO_WARN_DAYS", "warn-days", "2", "working days before a due date when the officer and the applicant are warned"},
	{"ODNOOKNO_IR_URL", "ir-url", "", "base URL of the information resources (default with --demo: simulated resources started in-process)"},
	{"ODNOOKNO_SESSION_IDLE", "session-idle", "30m", "a session ends after this long without activity"},
	{"ODNOOKNO_SESSION_ABSOLUTE", "session-absolute", "12h", "a session ends this long after login whatever the activity"},
	{"ODNOOKNO_CALENDAR_REFRESH", "calendar-refresh", "30s", "how often a running server re-reads calendar years loaded at run time"},
	{"ODNOOKNO_UID_TEMP_PASSWORD_TTL", "uid-temp-password-ttl", "72h", "how long a temporary password (sent at issue and unblock) may be used for the first login"},
	{"ODNOOKNO_UID_CODE_TTL", "uid-code-ttl", "10m", "how long an SMS code is valid"},
	{"ODNOOKNO_UID_CODE_ATTEMPTS", "uid-code-attempts", "5", "wrong entries that void an SMS code"},
	{"ODNOOKNO_HASH_MEMORY", "hash-memory", "65536", "Argon2id memory per password hash, KiB"},
	{"ODNOOKNO_HASH_ITERATIONS", "hash-iterations", "3", "Argon2id passes per password hash"},
	{"ODNOOKNO_HASH_PARALLELISM", "hash-parallelism", "4", "Argon2id lanes per password hash"},
	{"ODNOOKNO_LOGIN_FREE_FAILURES", "login-free-failures", "5", "failed attempts of one UID before delays begin (one client address gets four times as many)"},
	{"ODNOOKNO_LOGIN_DELAY", "login-delay", "1m", "first delay after too many failed attempts; each further failure doubles it"},
	{"ODNOOKNO_LOGIN_MAX_DELAY", "login-max-delay", "1h", "longest delay after failed attempts"},
}

// bindConfig registers the flags on fs with defaults taken from the
// environment, and returns a function that yields the parsed Config.
func bindConfig(fs *flag.FlagSet) func() (Config, error) {
	vals := map[string]*string{}
	var demo *bool
	for _, s := range settings {
		if s.flag == "demo" {
			def, _ := strconv.ParseBool(os.Getenv(s.name))
			demo = fs.Bool(s.flag, def, s.help+" ($"+s.name+")")
			continue
		}
		def := s.def
		if v, ok := os.LookupEnv(s.name); ok {
			def = v
		}
		vals[s.flag] = fs.String(s.flag, def, s.help+" ($"+s.name+")")
	}
	return func() (Config, error) {
		c := Config{
			DB:       *vals["db"],
			Addr:     *vals["addr"],
			BaseURL:  *vals["base-url"],
			DataDir:  *vals["data-dir"],
			LogLevel: *vals["log-level"],

			PKIDir:       *vals["pki-dir"],
			PlatformCert: *vals["platform-cert"],
			PlatformKey:  *vals["platform-key"],
			TrustedRoots: *vals["trusted-roots"],

			Secret:       *vals["secret"],
			SMS:          *vals["sms"],
			SMSFile:      *vals["sms-file"],
			SMSURL:       *vals["sms-url"],
			SMSToken:     *vals["sms-token"],
			SMSHeader:    *vals["sms-header"],
			SMSBody:      *vals["sms-body"],
			SMTPHost:     *vals["smtp-host"],
			SMTPUser:     *vals["smtp-user"],
			SMTPPassword: *vals["smtp-password"],
			SMTPFrom:     *vals["smtp-from"],
			SMTPTLS:      *vals["smtp-tls"],
			IRURL:        *vals["ir-url"],
		}
		if c.PKIDir == "" {
			c.PKIDir = filepath.Join(c.DataDir, "pki")
		}
		if (c.PlatformCert == "") != (c.PlatformKey == "") {
			return c, fmt.Errorf("--platform-cert and --platform-key go together")
		}
		c.Demo = *demo
		var err error
		if c.ShutdownTimeout, err = time.ParseDuration(*vals["shutdown-timeout"]); err != nil {
			return c, fmt.Errorf("--shutdown-timeout: %w", err)
		}
		if c.CalendarRefresh, err = time.ParseDuration(*vals["calendar-refresh"]); err != nil {
			return c, fmt.Errorf("--calendar-refresh: %w", err)
		}
		if c.WarnDays, err = strconv.Atoi(*vals["warn-days"]); err != nil || c.WarnDays < 1 {
			return c, fmt.Errorf("--warn-days: a whole number of working days, at least 1")
		}
		if c.SMTPPort, err = strconv.Atoi(*vals["smtp-port"]); err != nil {
			return c, fmt.Errorf("--smtp-port: %w", err)
		}
		if c.SessionIdle, err = time.ParseDuration(*vals["session-idle"]); err != nil {
			return c, fmt.Errorf("--session-idle: %w", err)
		}
		if c.SessionAbsolute, err = time.ParseDuration(*vals["session-absolute"]); err != nil {
			return c, fmt.Errorf("--session-absolute: %w", err)
		}
		if c.UID, err = uidConfig(vals); err != nil {
			return c, err
		}
		if c.BaseURL == "" {
			c.BaseURL = "http://" + c.Addr
		}
		return c, nil
	}
}

func uidConfig(vals map[string]*string) (UIDConfig, error) {
	var u UIDConfig
	durations := []struct {
		flag string
		dst  *time.Duration
	}{{"uid-temp-password-ttl", &u.TempPasswordTTL}, {"uid-code-ttl", &u.CodeTTL}, {"login-delay", &u.LoginDelay}, {"login-max-delay", &u.LoginMaxDelay}}
	for _, d := range durations {
		v, err := time.ParseDuration(*vals[d.flag])
		if err != nil || v <= 0 {
			return u, fmt.Errorf("--%s: want a positive duration such as 10m", d.flag)
		}
		*d.dst = v
	}
	ints := []struct {
		flag string
		dst  *int
	}{{"uid-code-attempts", &u.CodeAttempts}, {"hash-memory", &u.HashMemory}, {"hash-iterations", &u.HashIterations},
		{"hash-parallelism", &u.HashParallelism}, {"login-free-failures", &u.LoginFree}}
	for _, n := range ints {
		v, err := strconv.Atoi(*vals[n.flag])
		if err != nil || v <= 0 {
			return u, fmt.Errorf("--%s: want a positive whole number", n.flag)
		}
		*n.dst = v
	}
	return u, nil
}
