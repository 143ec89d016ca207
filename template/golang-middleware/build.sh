#!/bin/sh
# Builds the function in this OpenFaaS build context into the static binary
# $1. faas-cli lays the context out as:
#   ./                  this template (main.go, go.mod, build.sh, Dockerfile)
#   ./function/         the handler folder: module guichet.dev/functions/<name>
#   ./function/shared/  module guichet.dev/shared (stack.yml configuration.copy)
# The function's go.mod reaches shared through `replace => ../../shared`,
# which points outside the context; a Go workspace supplies function/shared
# instead, and main.go is pointed at the function's real module path.
set -eu
out=${1:?usage: build.sh OUTPUT}
module=$(awk '$1 == "module" { print $2 }' function/go.mod)
(cd function && go mod edit -replace=guichet.dev/shared=./shared)
sed -i "s#\"handler/function\"#\"$module\"#" main.go
rm -f go.work go.work.sum
go work init . ./function ./function/shared
unformatted=$(gofmt -l main.go $(find function -name '*.go' -not -path 'function/shared/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt needed: $unformatted" >&2
  exit 1
fi
CGO_ENABLED=0 go build -ldflags "-s -w" -o "$out" .
