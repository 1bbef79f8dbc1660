#!/usr/bin/env bash
# Fails when a TEST_CASE of a Catch2 binary is reached by no ctest entry: a test
# with a mistyped or forgotten tag would otherwise never run, and Catch2 2.13
# says nothing about it.
#   check_test_coverage.sh BINARY SPEC...   (each SPEC as one ctest entry passes it)
set -euo pipefail
binary="$1"; shift
all="$(mktemp)"; reached="$(mktemp)"
trap 'rm -f "$all" "$reached"' EXIT

# Catch2 v2 exits with the number of tests listed: the exit code says nothing here.
"$binary" --list-test-names-only | sed '/^$/d' | sort -u > "$all" || true
[[ -s "$all" ]] || { echo "$binary lists no test at all"; exit 1; }
for spec in "$@"; do
  "$binary" "$spec" --list-test-names-only | sed '/^$/d' >> "$reached" || true
done
sort -u -o "$reached" "$reached"

missing="$(comm -23 "$all" "$reached")"
total=$(wc -l < "$all")
if [[ -n "$missing" ]]; then
  echo "$(basename "$binary"): test cases no ctest entry runs (check their tags):"
  echo "$missing" | sed 's/^/  /'
  exit 1
fi
echo "$(basename "$binary"): all $total test cases are reached by $# ctest entries"
