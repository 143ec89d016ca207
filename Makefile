# Guichet: `make run` starts the whole system on embedded defaults at
# http://localhost:4000; `make test` runs every test. Both work on a fresh
# machine with Go and Node/npm.

SHELL := /bin/bash
GO_MODULES := $(shell go work edit -json | sed -n 's/.*"DiskPath": "\(.*\)".*/\1/p')
GO_TEST_FLAGS ?= -count=1 -timeout 30m

.PHONY: run build test test-go vet fmt-check

run: build
	./bin/guichet serve

build:
	go build -o bin/guichet ./cmd/guichet

test: fmt-check vet test-go

fmt-check:
	@out=$$(gofmt -l $(GO_MODULES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	go vet $(addsuffix /...,$(GO_MODULES))

test-go:
	go test $(GO_TEST_FLAGS) $(addsuffix /...,$(GO_MODULES))

# The React SPA (web/): built into cmd/guichet/webdist, which the guichet
# binary embeds; unit tests with Vitest, browser journeys with Chromium.
.PHONY: web test-web test-e2e
build: web
test: test-web test-e2e

web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund

web: web/node_modules/.package-lock.json
	cd web && npm run build

test-web: web/node_modules/.package-lock.json
	cd web && npx vitest run

test-e2e: web
	cd web && node e2e/run.mjs
