// Command odnookno is the whole "One Window" complex in one binary.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"odnookno/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Main(ctx, os.Args[1:], app.IO{Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}
