package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"odnookno/internal/fault"
	"odnookno/internal/identity"
	"odnookno/internal/interop/envelope"
	"odnookno/internal/irsim"
)

// cmdIRSim runs the simulated information resources as a separate process,
// trusting the platform keys in the PKI folder.
func cmdIRSim(ctx context.Context, args []string, io IO) error {
	fs := newFlags("irsim", io)
	get := bindConfig(fs)
	addr := fs.String("listen", "127.0.0.1:8095", "address the simulated resources listen on")
	latency := fs.Duration("latency", 50*time.Millisecond, "latency added to every answer")
	jitter := fs.Duration("jitter", 100*time.Millisecond, "random extra latency, up to this much")
	failure := fs.Float64("failure-rate", 0, "share of requests answered 503 (0..1)")
	seed := fs.Uint64("seed", 1, "seed of jitter and injected failures")
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
	keys, err := irsim.DevKeys(cfg.PKIDir)
	if err != nil {
		return err
	}
	sc, err := keys.ServerConfig()
	if err != nil {
		return err
	}
	sc.Addr, sc.Latency, sc.Jitter, sc.FailureRate, sc.Seed, sc.Logger = *addr, *latency, *jitter, *failure, *seed, log
	fmt.Fprintf(io.Out, "simulated information resources at http://%s/ (mvd/person, residence/address, property/realty)\n", *addr)
	return irsim.Run(ctx, sc)
}

// startSimulator serves the simulated resources on a free loopback port
// inside this process, for the demo, and returns their URL.
func startSimulator(ctx context.Context, cfg Config, log *slog.Logger) (string, error) {
	keys, err := irsim.DevKeys(cfg.PKIDir)
	if err != nil {
		return "", err
	}
	sc, err := keys.ServerConfig()
	if err != nil {
		return "", err
	}
	sc.Latency, sc.Jitter, sc.Logger = 20*time.Millisecond, 40*time.Millisecond, log.With("component", "irsim")
	srv, err := irsim.NewServer(sc)
	if err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	go func() {
		<-ctx.Done()
		_ = hs.Close()
	}()
	url := "http://" + ln.Addr().String() + "/"
	log.Info("demo: simulated information resources started", "url", url)
	return url, nil
}

// mvdRegistry asks the interior ministry's personal-data resource
// (mvd/person) over the signed exchange, for the UID issuance check
// (R637-UID p.6, third paragraph).
type mvdRegistry struct {
	client   *envelope.Client
	endpoint string
	sender   string
}

func (m mvdRegistry) Person(ctx context.Context, pin identity.PIN) (identity.RegistryPerson, error) {
	payload, _ := json.Marshal(map[string]string{"pin": pin.String()})
	ex, err := m.client.Call(ctx, m.endpoint, envelope.Request{Sender: m.sender, Service: "mvd/person", Payload: payload})
	if err != nil {
		if errors.Is(err, envelope.ErrUnavailable) {
			return identity.RegistryPerson{}, fmt.Errorf("mvd register: %w", fault.Unavailable)
		}
		return identity.RegistryPerson{}, fmt.Errorf("mvd register: %w", err)
	}
	switch ex.Answer.Status {
	case envelope.StatusOK:
	case envelope.StatusNotFound:
		return identity.RegistryPerson{}, fmt.Errorf("mvd register: %s: %w", pin.Masked(), fault.NotFound)
	default:
		return identity.RegistryPerson{}, fmt.Errorf("mvd register: %s: %w", ex.Answer.Error, fault.Unavailable)
	}
	var a irsim.PersonAnswer
	if err := json.Unmarshal(ex.Answer.Payload, &a); err != nil {
		return identity.RegistryPerson{}, fmt.Errorf("mvd register: answer: %w", err)
	}
	return identity.RegistryPerson{PIN: identity.PIN(a.PIN), Surname: a.Surname, Name: a.Name, Patronymic: a.Patronymic,
		BirthDate: a.BirthDate, DocumentValid: a.Document.Valid}, nil
}
