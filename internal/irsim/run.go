package irsim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// DefaultAddr is where Run listens when Config.Addr is empty: loopback
// only, because the simulated registers hold made-up personal data and
// accept any request the development CA signed.
const DefaultAddr = "127.0.0.1:8095"

// shutdownGrace is how long Run lets requests in flight finish after ctx
// ends; a simulated register owes nobody more.
const shutdownGrace = 5 * time.Second

// Run serves the simulator on cfg.Addr until ctx ends, then shuts down
// gracefully. It is what `odnookno irsim` calls.
func Run(ctx context.Context, cfg Config) error {
	srv, err := NewServer(cfg)
	if err != nil {
		return err
	}
	addr := cfg.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("irsim: %w", err)
	}
	return srv.serve(ctx, ln)
}

func (s *Server) serve(ctx context.Context, ln net.Listener) error {
	// Requests inherit a context that ends with ctx, so a deliberately
	// slow answer does not hold up shutdown: it is cut short with a 503.
	base, stop := context.WithCancel(context.Background())
	defer stop()
	hs := &http.Server{
		Handler:           s.Handler(),
		BaseContext:       func(net.Listener) context.Context { return base },
		ReadHeaderTimeout: 10 * time.Second,
		// Latency plus jitter may be long on purpose; the write timeout
		// must not cut a deliberately slow answer short.
		WriteTimeout: s.cfg.Latency + s.cfg.Jitter + time.Minute,
	}
	s.log.Info("irsim: serving", "addr", ln.Addr().String(), "services", Services(),
		"latency", s.cfg.Latency, "jitter", s.cfg.Jitter, "failure_rate", s.cfg.FailureRate)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("irsim: %w", err)
	case <-ctx.Done():
	}
	stop()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err := hs.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		return fmt.Errorf("irsim: shutdown: %w", err)
	}
	return nil
}
