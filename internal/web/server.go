// Package web translates HTTP to domain calls: the JSON API under /api/v1
// and the server-rendered pages of the citizen cabinet, the staff workspace
// and the operator console. Business rules never live here.
package web

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"odnookno/internal/audit"
	"odnookno/internal/auth"
	"odnookno/internal/document"
	"odnookno/internal/fault"
	"odnookno/internal/i18n"
	"odnookno/internal/notify"
	"odnookno/internal/org"
	"odnookno/internal/store"
	"odnookno/internal/web/ui"
)

// Deps are what the server needs; the composition root builds them.
type Deps struct {
	DB       *store.DB
	Log      *slog.Logger
	Catalog  *i18n.Catalog
	UI       *ui.Renderer
	Version  string
	Sessions *auth.Sessions
	Org      *org.Service
	Audit    *audit.Log
	Docs     *document.Registry
	Notify   *notify.Service
	// Areas add the routes of the domain areas (cabinet, workspace, console).
	Areas []Area
	// TrustedOrigins may post forms besides the server's own origin (a
	// front-end on another host name).
	TrustedOrigins []string
}

// Area is a group of routes built by the composition root with the
// services it needs; it uses the Server's helpers (sessions, errors, pages).
type Area interface {
	Routes(s *Server, mux *http.ServeMux)
}

// Server holds the HTTP handlers.
type Server struct {
	Deps
	log      *slog.Logger
	registry *prometheus.Registry
	metrics  *metrics
	started  time.Time

	staffLinks   []StaffLink
	cabinetLinks []CabinetLink
}

// New builds a server; Handler returns what to serve.
func New(d Deps) *Server {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s := &Server{Deps: d, log: d.Log, registry: reg, started: time.Now()}
	s.metrics = newMetrics(reg)
	return s
}

// Registry lets other components (the job runner, the outbox) publish
// metrics on the same /metrics endpoint.
func (s *Server) Registry() prometheus.Registerer { return s.registry }

// Handler is the whole site with its middleware.
func (s *Server) Handler() (http.Handler, error) {
	mux := http.NewServeMux()
	s.routes(mux)
	cop := http.NewCrossOriginProtection()
	for _, o := range s.TrustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, err
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Error(w, r, http.StatusForbidden)
	}))
	h := recordRoute(mux)
	h = cop.Handler(h)
	h = ui.LangMiddleware(h)
	h = secure(h)
	h = s.observe(h)
	return h, nil
}

// routes lists every route of the site in one place.
func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{Registry: s.registry}))
	mux.HandleFunc("GET /api/v1/openapi.json", s.openapi)
	mux.Handle("GET /static/", http.StripPrefix("/static/", ui.StaticHandler()))

	mux.HandleFunc("GET /{$}", s.home)
	for _, p := range []string{"about", "accessibility", "help"} {
		mux.HandleFunc("GET /"+p, func(w http.ResponseWriter, r *http.Request) { s.Render(w, r, http.StatusOK, "info_"+p, nil) })
	}
	s.staffRoutes(mux)
	s.verifyRoutes(mux)
	s.operatorRoutes(mux)
	for _, a := range s.Areas {
		a.Routes(s, mux)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { s.Error(w, r, http.StatusNotFound) })
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	s.UI.Render(w, r, http.StatusOK, "home", nil)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "version": s.Version, "uptime_seconds": int(time.Since(s.started).Seconds())})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.DB.Ping(ctx); err != nil {
		s.log.ErrorContext(ctx, "readiness: database", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "database": "down"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "database": string(s.DB.Dialect)})
}

//go:embed openapi.json
var openapiDoc []byte

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openapiDoc)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

func isAPI(r *http.Request) bool {
	return len(r.URL.Path) >= 5 && r.URL.Path[:5] == "/api/"
}

// Error answers with status: JSON for the API, a page otherwise.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, status int) {
	lang := ui.Lang(r)
	code := "error." + http.StatusText(status)
	switch status {
	case http.StatusNotFound:
		code = "error.not_found"
	case http.StatusForbidden:
		code = "error.forbidden"
	case http.StatusUnauthorized:
		code = "error.unauthorized"
	case http.StatusConflict:
		code = "error.conflict"
	case http.StatusTooManyRequests:
		code = "error.too_many"
	case http.StatusServiceUnavailable:
		code = "error.unavailable"
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		code = "error.invalid"
	default:
		code = "error.internal"
	}
	if isAPI(r) {
		writeJSON(w, status, map[string]any{"error": map[string]any{
			"code": code, "message": s.Catalog.T(lang, code), "request_id": RequestID(r.Context()),
		}})
		return
	}
	s.UI.Render(w, r, status, "error", map[string]any{"Status": status, "Code": code, "RequestID": RequestID(r.Context())})
}

// Fail maps a domain error to a status and a localized message.
func (s *Server) Fail(w http.ResponseWriter, r *http.Request, err error) {
	status := StatusOf(err)
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "request failed", "request_id", RequestID(r.Context()), "err", err)
	}
	var fe *fault.Error
	if isAPI(r) && errors.As(err, &fe) {
		lang := ui.Lang(r)
		fields := make([]map[string]any, 0, len(fe.Fields))
		for _, f := range fe.Fields {
			fields = append(fields, map[string]any{"field": f.Field, "code": f.Code, "message": s.Catalog.T(lang, f.Code, f.Params)})
		}
		writeJSON(w, status, map[string]any{"error": map[string]any{
			"code": fe.Code, "message": s.Catalog.T(lang, fe.Code, fe.Params), "fields": fields, "request_id": RequestID(r.Context()),
		}})
		return
	}
	s.Error(w, r, status)
}

// StatusOf is the one place where domain error kinds become HTTP statuses.
func StatusOf(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, fault.Invalid):
		return http.StatusUnprocessableEntity
	case errors.Is(err, fault.NotFound):
		return http.StatusNotFound
	case errors.Is(err, fault.Conflict):
		return http.StatusConflict
	case errors.Is(err, fault.Forbidden):
		return http.StatusForbidden
	case errors.Is(err, fault.Unauthorized):
		return http.StatusUnauthorized
	case errors.Is(err, fault.TooMany):
		return http.StatusTooManyRequests
	case errors.Is(err, fault.Unavailable):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}
