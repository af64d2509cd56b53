# Odnookno — make help lists the targets.
GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X odnookno/internal/app.Version=$(VERSION)
PG        ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
TESTFLAGS ?=

.PHONY: help build test test-pg lint bench e2e demo fmt

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

build: ## build ./odnookno (static, version stamped)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o odnookno ./cmd/odnookno

test: ## run all tests (SQLite; PostgreSQL too when ODNOOKNO_TEST_POSTGRES is set)
	$(GO) test -count=1 -timeout 20m $(TESTFLAGS) ./...

test-pg: ## run all tests on SQLite and on the local PostgreSQL
	ODNOOKNO_TEST_POSTGRES='$(PG)' $(GO) test -count=1 -timeout 20m $(TESTFLAGS) ./...

lint: ## gofmt and go vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...

bench: ## run the benchmarks
	$(GO) test -run '^$$' -bench . -benchmem ./...

e2e: ## browser tests (headless Chromium via playwright-core)
	ODNOOKNO_E2E=1 $(GO) test -count=1 -v ./internal/e2e/

demo: ## run the service with demo data on SQLite
	$(GO) run ./cmd/odnookno serve --demo

fmt: ## format the code
	gofmt -w $$(git ls-files '*.go')
