# Guichet: `make run` starts the whole system on embedded defaults at
# http://localhost:4000; `make test` runs every test. Both work on a fresh
# machine with Go and Node/npm.

SHELL := /bin/bash
GO_MODULES := $(shell go work edit -json | sed -n 's/.*"DiskPath": "\(.*\)".*/\1/p')
GO_TEST_FLAGS ?= -count=1 -p 1 -timeout 40m

.PHONY: run build test test-go vet fmt-check

run: build
	./bin/guichet serve

build: openapi-assets
	go build -o bin/guichet ./cmd/guichet

test: openapi-assets fmt-check vet lint-openapi test-go

fmt-check:
	@out=$$(gofmt -l $(GO_MODULES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	go vet $(addsuffix /...,$(GO_MODULES))

test-go:
	go test $(GO_TEST_FLAGS) $(addsuffix /...,$(GO_MODULES))

# --- OpenAPI: Swagger UI assets and the document's lint (issue 7) ---
# swagger-ui-dist and @redocly/cli are pinned in openapi/package.json and its
# lock file; the assets are copied into openapi/swagger-ui (git-ignored),
# which the guichet binary embeds.
SWAGGER_UI_FILES := swagger-ui-bundle.js swagger-ui.css index.css favicon-16x16.png favicon-32x32.png LICENSE NOTICE
REDOCLY_ENV := REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

.PHONY: openapi-assets lint-openapi

openapi-assets: openapi/node_modules/.package-lock.json
	cd openapi/node_modules/swagger-ui-dist && cp $(SWAGGER_UI_FILES) ../../swagger-ui/

openapi/node_modules/.package-lock.json: openapi/package.json openapi/package-lock.json
	cd openapi && npm ci --no-audit --no-fund --ignore-scripts

lint-openapi: openapi/node_modules/.package-lock.json
	cd openapi && $(REDOCLY_ENV) npx --no-install redocly lint --format=stylish openapi.yaml

# The React SPA (web/): built into cmd/guichet/webdist, which the guichet
# binary embeds; unit tests with Vitest, browser journeys with Chromium.
.PHONY: web test-web test-e2e
build: web
test: test-web test-e2e

# npm install, not npm ci: the lock file lacks vite's Windows-only optional
# dependency, which npm ci refuses; npm install keeps the locked versions.
web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm install --no-audit --no-fund

web: web/node_modules/.package-lock.json
	cd web && npm run build

test-web: web/node_modules/.package-lock.json
	cd web && npx vitest run

test-e2e: web
	cd web && node e2e/run.mjs

# The production-like suite: the concurrency, fault and backup tests again on
# FerretDB's PostgreSQL backend (the machine's PostgreSQL at 127.0.0.1:5432),
# and every fuzz target for FUZZTIME each.
PG_TEST_DB ?= guichet_test
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/$(PG_TEST_DB)?sslmode=disable
PG_TESTS ?= IndexIDs|Concurrent|Race|Stampede|Processes|Fault|Crash|Capacity|Backup|Restore|Security
.PHONY: test-pg fuzz
test: test-pg fuzz

test-pg:
	psql -h 127.0.0.1 -U postgres -qc 'DROP DATABASE IF EXISTS $(PG_TEST_DB)' -c 'CREATE DATABASE $(PG_TEST_DB)'
	GUICHET_TEST_POSTGRESQL_URL='$(PG_TEST_URL)' go test $(GO_TEST_FLAGS) -run '$(PG_TESTS)' ./shared/... ./cmd/guichet

fuzz:
	bash scripts/fuzz.sh
