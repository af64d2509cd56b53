package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/riverqueue/river"

	"odnookno/internal/audit"
	"odnookno/internal/auth"
	"odnookno/internal/calendar/caldb"
	"odnookno/internal/cases"
	"odnookno/internal/catalog"
	"odnookno/internal/document"
	"odnookno/internal/i18n"
	"odnookno/internal/identity"
	"odnookno/internal/interop"
	"odnookno/internal/interop/envelope"
	"odnookno/internal/jobs"
	"odnookno/internal/notify"
	"odnookno/internal/org"
	"odnookno/internal/store"
	"odnookno/internal/web"
	"odnookno/internal/web/ui"
)

// modules lists every package's migrations in dependency order.
func modules() []store.Module {
	return []store.Module{
		caldb.Module,
		audit.Module,
		auth.Module,
		org.Module,
		document.Module,
		notify.Module,
		catalog.Module,
		interop.Module,
		cases.Module,
		identity.Module,
	}
}

func migrate(ctx context.Context, db *store.DB) error {
	return store.Migrate(ctx, db, []store.MigrateFunc{jobs.Migrate}, modules()...)
}

func openDB(ctx context.Context, cfg Config) (*store.DB, error) {
	db, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func cmdMigrate(ctx context.Context, args []string, io IO) error {
	fs := newFlags("migrate", io)
	get := bindConfig(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := get()
	if err != nil {
		return err
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, m := range modules() {
		v, err := store.Version(ctx, db, m)
		if err != nil {
			return err
		}
		fmt.Fprintf(io.Out, "%-12s version %d\n", m.Name, v)
	}
	return nil
}

// System is every built service of a running instance.
type System struct {
	Config     Config
	Log        *slog.Logger
	DB         *store.DB
	Queue      *jobs.Queue
	Workers    *river.Workers
	Periodic   []*river.PeriodicJob
	Calendar   *caldb.Provider
	Messages   *i18n.Catalog
	Audit      *audit.Log
	Sessions   *auth.Sessions
	Org        *org.Service
	PKI        *PKI
	Notify     *notify.Service
	Identity   *identity.Service
	Secret     []byte
	Docs       *document.Registry
	Procedures *catalog.Service
	Interop    *interop.Service
	Cases      *cases.Service
	// MVD is the interior ministry's personal-data register as identity
	// asks it: the signed exchange to mvd/person.
	MVD     identity.Registry
	IRURL   string
	closers []func()
	Server  *web.Server
}

// Build opens the database and wires every service; it starts nothing.
func Build(ctx context.Context, cfg Config, log *slog.Logger) (*System, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s := &System{Config: cfg, Log: log, DB: db, Workers: river.NewWorkers()}
	fail := func(err error) (*System, error) { db.Close(); return nil, err }
	if s.Queue, err = jobs.NewQueue(db); err != nil {
		return fail(err)
	}
	if s.Calendar, err = caldb.NewProvider(ctx, db, cfg.CalendarRefresh); err != nil {
		return fail(err)
	}
	if s.Messages, err = i18n.New(); err != nil {
		return fail(err)
	}
	river.AddWorker(s.Workers, &caldb.CoverageWorker{Provider: s.Calendar, Log: log, Now: time.Now, Ahead: 120 * 24 * time.Hour})
	s.Periodic = append(s.Periodic, caldb.CoveragePeriodic())
	if s.PKI, err = setupPKI(cfg, log); err != nil {
		return fail(err)
	}
	if s.Secret, err = platformSecret(cfg); err != nil {
		return fail(err)
	}
	if s.Notify, err = buildNotify(cfg, log, db, s.Queue, s.Secret); err != nil {
		return fail(err)
	}
	s.Notify.Register(s.Workers)
	s.Docs = document.NewRegistry(db, s.PKI.Verifier, cfg.BaseURL, time.Now)
	s.Audit = audit.New(db, time.Now)
	s.Sessions = auth.New(db, time.Now, auth.Options{Idle: cfg.SessionIdle, Absolute: cfg.SessionAbsolute})
	s.Org = org.New(db, s.Audit, time.Now, hashParams(cfg.UID))
	if err := s.buildInterop(); err != nil {
		return fail(err)
	}
	irURL := cfg.IRURL
	if irURL == "" && cfg.Demo {
		sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
		s.closers = append(s.closers, stop)
		if irURL, err = startSimulator(sctx, cfg, log); err != nil {
			return fail(err)
		}
	}
	s.IRURL = irURL
	s.MVD = mvdRegistry{client: &envelope.Client{Signer: s.PKI.Platform, Verifier: s.PKI.Verifier}, endpoint: irURL, sender: "odnookno"}
	s.Procedures = catalog.New(db, s.Audit, owners{registry: s.Interop, fallback: catalog.DemoOwners}, time.Now)
	river.AddWorker(s.Workers, &activateWorker{catalog: s.Procedures, log: log})
	s.Periodic = append(s.Periodic, activatePeriodic())
	if err := s.buildCases(); err != nil {
		return fail(err)
	}
	caseIO := s.buildCaseInterop()
	renderer, err := ui.New(s.Messages, ui.Options{Demo: cfg.Demo, RequestID: func(r *http.Request) string { return web.RequestID(r.Context()) }})
	if err != nil {
		return fail(err)
	}
	areas, err := s.buildIdentity()
	if err != nil {
		return fail(err)
	}
	areas = append(areas, s.caseAreas(caseIO)...)
	areas = append(areas, &web.CaseFiling{Cases: s.Cases, Procedures: s.Procedures, Identity: s.Identity})
	s.Server = web.New(web.Deps{DB: db, Log: log, Catalog: s.Messages, UI: renderer, Version: version(),
		Sessions: s.Sessions, Org: s.Org, Audit: s.Audit, Docs: s.Docs, Notify: s.Notify, Areas: append(areas, &web.Catalog{Procedures: s.Procedures})})
	s.Server.Registry().MustRegister(s.Notify.Collectors()...)
	s.Server.Registry().MustRegister(s.Interop.Collectors()...)
	return s, nil
}

// Close releases the database.
func (s *System) Close() error {
	for _, c := range s.closers {
		c()
	}
	return s.DB.Close()
}

func cmdServe(ctx context.Context, args []string, io IO) error {
	fs := newFlags("serve", io)
	get := bindConfig(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := get()
	if err != nil {
		return err
	}
	log, err := newLogger(cfg.LogLevel, io.Err)
	if err != nil {
		return err
	}
	slog.SetDefault(log)
	sys, err := Build(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer sys.Close()
	if cfg.Demo {
		if err := loadDemo(ctx, sys); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}
	runner, err := jobs.NewRunner(sys.DB, sys.Workers, jobs.Options{Periodic: sys.Periodic, Logger: log})
	if err != nil {
		return err
	}
	handler, err := sys.Server.Handler()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if err := runner.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	url := "http://" + ln.Addr().String() + "/"
	log.Info("serving", "url", url, "database", string(sys.DB.Dialect), "version", version(), "demo", cfg.Demo)
	fmt.Fprintf(io.Out, "Odnookno is serving at %s (database: %s)\n", url, sys.DB.Dialect)

	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	herr := srv.Shutdown(sctx)
	jerr := runner.Stop(sctx)
	return errors.Join(herr, jerr)
}
