#!/usr/bin/env bash
# The schema check must refuse an incompatible change and accept a compatible one.
set -euo pipefail
src="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/schemas"
cp -r "$src/schemas/." "$work/schemas/"

"$work/schemas/check-compat" > /dev/null

# Compatible: a new field with the next ordinal.
sed -i 's/^  maxEvents @2 :UInt32;.*/&\n  note @3 :Text;/' "$work/schemas/platform.capnp"
"$work/schemas/check-compat" > /dev/null || { echo "a new field was refused"; exit 1; }

# Incompatible: a field's type changed (its wire position moves).
sed -i 's/^  maxEvents @2 :UInt32;/  maxEvents @2 :UInt16;/' "$work/schemas/platform.capnp"
if "$work/schemas/check-compat" > /dev/null 2>&1; then
  echo "a changed field type was accepted"; exit 1
fi
sed -i 's/^  maxEvents @2 :UInt16;/  maxEvents @2 :UInt32;/' "$work/schemas/platform.capnp"

# Incompatible: an ordinal renumbered.
sed -i 's/^  originSeq @3 :UInt64;/  originSeq @9 :UInt64;/' "$work/schemas/envelope.capnp"
if "$work/schemas/check-compat" > /dev/null 2>&1; then
  echo "a renumbered ordinal was accepted"; exit 1
fi
echo "schema check: refuses incompatible changes, accepts additions"
