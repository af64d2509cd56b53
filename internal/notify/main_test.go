package notify_test

import (
	"log/slog"
	"os"
	"testing"
)

// TestMain quiets the process-wide logger (migrations log each file) so
// test and benchmark output stays readable; the tests' own loggers are
// explicit.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	os.Exit(m.Run())
}
