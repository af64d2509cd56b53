// Package app is the composition root: it parses the command line, builds
// every service from the configuration and runs the chosen command.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
)

// Version is stamped by -ldflags "-X odnookno/internal/app.Version=…".
var Version = "dev"

func version() string {
	if Version != "dev" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return Version
}

// IO is where a command reads and writes; tests substitute buffers.
type IO struct {
	Out, Err io.Writer
}

const usage = `odnookno — the "One Window" (Одно окно) e-government complex

Usage:
  odnookno serve [flags]              run the web service (SQLite by default)
  odnookno migrate [flags]            apply database migrations and exit
  odnookno version                    print the version
  odnookno calendar workdays YEAR     working days per month of YEAR
  odnookno calendar deadline --from YYYY-MM-DD --term "5 рабочих дней"
  odnookno calendar load FILE         load calendar years into the database
  odnookno calendar years             list the years in force
  odnookno audit verify               check the audit trail's hash chain
  odnookno irsim [--listen ADDR]      run the simulated information resources
  odnookno pki dev-ca --dir DIR       create a development certificate authority
  odnookno pki issue --dir DIR --name NAME --org ORG
                                      issue a development key and certificate

Run "odnookno COMMAND -h" for the flags of a command.
`

// Main runs the command in args (without the program name) and returns the
// process exit code.
func Main(ctx context.Context, args []string, io IO) int {
	if len(args) == 0 {
		fmt.Fprint(io.Err, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = cmdServe(ctx, args[1:], io)
	case "migrate":
		err = cmdMigrate(ctx, args[1:], io)
	case "version", "--version", "-v":
		fmt.Fprintln(io.Out, version())
	case "calendar":
		err = cmdCalendar(ctx, args[1:], io)
	case "audit":
		err = cmdAudit(ctx, args[1:], io)
	case "pki":
		err = cmdPKI(ctx, args[1:], io)
	case "irsim":
		err = cmdIRSim(ctx, args[1:], io)
	case "help", "-h", "--help":
		fmt.Fprint(io.Out, usage)
	default:
		fmt.Fprintf(io.Err, "unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(io.Err, "odnookno:", err)
			return 2
		}
		fmt.Fprintln(io.Err, "odnookno:", err)
		return 1
	}
	return 0
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func newFlags(name string, io IO) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Err)
	return fs
}

func newLogger(level string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		return nil, fmt.Errorf("log level %q: %w", level, err)
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
}

func init() {
	// Keep the default logger quiet until a command configures it.
	slog.SetDefault(slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
}

// parseArgs parses flags wherever they stand among the positional
// arguments ("calendar workdays 2026 --db x" as well as "--db x 2026") and
// returns the positional ones.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
