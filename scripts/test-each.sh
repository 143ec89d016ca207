#!/usr/bin/env bash
# Runs each top-level test of one package in a process of its own.
# cmd/guichet's tests each start servers on the test binary's embedded
# FerretDB; in one process the databases of ~100 tests accumulate until
# the machine runs out of memory. Usage: test-each.sh PKG [RUN_REGEXP]
set -euo pipefail
pkg=$1
filter=${2:-.}
bin=$(mktemp -d)/pkg.test
go test -c -o "$bin" "$pkg"
dir=$(go list -f '{{.Dir}}' "$pkg")
cd "$dir"
passed=0
failed=0
for t in $("$bin" -test.list "$filter" | grep '^Test'); do
  if "$bin" -test.run "^${t}\$" -test.count=1 -test.timeout 15m > "$bin.out" 2>&1; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "--- FAIL: $t"
    grep -v '^time=' "$bin.out" | tail -n 60
  fi
done
rm -rf "$(dirname "$bin")"
echo "$pkg: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
