#!/usr/bin/env bash
# Runs every fuzz target of every Go module for FUZZTIME each (default
# 100000x: that many inputs), coverage-guided, from the seed corpus kept
# under each package's testdata/fuzz. A failure stops the run and leaves the
# crasher there. A count, not a duration: with a duration Go 1.26's fuzz
# coordinator may fail a target with a bare "context deadline exceeded" as
# its time runs out (golang/go#75804, fixed in Go 1.27).
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-100000x}
count=0
for mod in $(go work edit -json | sed -n 's/.*"DiskPath": "\(.*\)".*/\1/p'); do
  for pkg in $(cd "$mod" && go list ./...); do
    dir=$(cd "$mod" && go list -f '{{.Dir}}' "$pkg")
    grep -lq '^func Fuzz' "$dir"/*_test.go 2>/dev/null || continue
    for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go | sed 's/^func //'); do
      echo "fuzz: $pkg $target for $fuzztime"
      if ! out=$(cd "$dir" && go test -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzztime" . 2>&1); then
        echo "$out"
        exit 1
      fi
      count=$((count + 1))
    done
  done
done
echo "fuzz: $count targets, none failed"
