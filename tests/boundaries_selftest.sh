#!/usr/bin/env bash
# The boundary check must pass on the tree as it is and fail on each kind of offence
# planted in a copy: a service including another's header (by its project path and by
# a relative one), common/ including a service header, a service library linking
# another's, a common/ library linking a service's, a wire type name spelled out
# instead of its schema constant, and a missing or empty graph.
# The files and targets planted in are picked from the tree and its link graph, so
# the test follows renames.
#   tests/boundaries_selftest.sh SOURCE_ROOT BUILD_DIR
set -euo pipefail
src="$(cd "$1" && pwd)"
graph="$(cd "$2" && pwd)/link-graph.tsv"
check="$src/tools/boundaries/check-boundaries"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

copy="$work/src"
mkdir "$copy"
for entry in "$src"/*; do
  case "$(basename "$entry")" in build | build-*) continue ;; esac
  cp -r "$entry" "$copy/"
done

# Two services, a source of one and of common/, a library of each.
mapfile -t services < <(cd "$src/services" && find . -mindepth 2 -maxdepth 2 -name CMakeLists.txt |
  cut -d/ -f2 | sort)
if ((${#services[@]} < 2)); then
  echo "fewer than two services: nothing to plant between them"
  exit 1
fi
a="${services[0]}"
b="${services[1]}"
a_source="$(cd "$src" && find "services/$a" -name '*.cpp' | sort | head -1)"
common_source="$(cd "$src" && find common -name '*.cpp' | sort | head -1)"
library_in() {
  awk -F '\t' -v folder="$1" '$1 == "target" && $4 == "STATIC_LIBRARY" &&
    ($3 == folder || index($3, folder "/") == 1) { print $2; exit }' "$graph"
}
a_library="$(library_in "services/$a")"
b_library="$(library_in "services/$b")"
common_library="$(library_in common)"
for subject in a_source common_source a_library b_library common_library; do
  if [[ -z "${!subject}" ]]; then
    echo "found no $subject to plant an offence in"
    exit 1
  fi
done

passes() {
  "$check" "$copy" "$1" > "$work/out" 2>&1 || {
    cat "$work/out"
    echo "the check failed on a tree without offences"
    exit 1
  }
}
fails_naming() {
  local graph="$1" expected="$2"
  if "$check" "$copy" "$graph" > "$work/out" 2>&1; then
    cat "$work/out"
    echo "the check passed with an offence planted: $expected"
    exit 1
  fi
  grep -qF -- "$expected" "$work/out" || {
    cat "$work/out"
    echo "the check failed without naming: $expected"
    exit 1
  }
}
restore() { cp "$src/$1" "$copy/$1"; }

passes "$graph"

# A service spells a wire type name instead of using its schema constant.
wire_name="$(grep -ohE '^const [A-Za-z0-9]+ :Text = "[a-z_]+\.[a-z_.]+";' "$src"/schemas/*.capnp | head -1 |
  sed 's/^[^"]*"//; s/".*$//')"
if [[ -z "$wire_name" ]]; then
  echo "found no wire type constant in schemas/ to spell out"
  exit 1
fi
echo "static const char* spelled = \"$wire_name\";" >> "$copy/$a_source"
fails_naming "$graph" "$a_source:"
restore "$a_source"
# A comment may name it.
echo "// answers \"$wire_name\"" >> "$copy/$a_source"
passes "$graph"
restore "$a_source"

# A service includes another service's header, by its project path.
echo "#include \"services/$b/any.hpp\"" >> "$copy/$a_source"
fails_naming "$graph" "$a_source:"
restore "$a_source"

# The same by a path relative to the including file.
up="$(dirname "$a_source" | sed 's|[^/]*|..|g')"
echo "#include \"$up/services/$b/any.hpp\"" >> "$copy/$a_source"
fails_naming "$graph" "includes $up/services/$b/any.hpp (service $b)"
restore "$a_source"

# The platform includes a service header.
echo "#include <services/$a/any.hpp>" >> "$copy/$common_source"
fails_naming "$graph" "$common_source:"
restore "$common_source"

# No graph, an empty one, or one without services: nothing checked is a failure.
fails_naming "$work/missing.tsv" "no link graph"
: > "$work/empty.tsv"
fails_naming "$work/empty.tsv" "no link graph"
grep -v '^target	[^	]*	services/' "$graph" > "$work/no-services.tsv"
fails_naming "$work/no-services.tsv" "nothing was checked"

# Links, as CMake sees them once the planted copy is configured.
cat >> "$copy/CMakeLists.txt" <<EOF
target_link_libraries($a_library PUBLIC $b_library)
target_link_libraries($common_library PRIVATE $a_library)
EOF
generator=()
command -v ninja > /dev/null && generator=(-G Ninja)
if ! cmake -S "$copy" -B "$work/build" "${generator[@]}" -DGOSMART_TESTS=OFF -DGOSMART_BENCH=OFF \
  > "$work/configure.log" 2>&1; then
  cat "$work/configure.log"
  echo "the planted copy did not configure"
  exit 1
fi
planted="$work/build/link-graph.tsv"
fails_naming "$planted" "$a_library (service $a) links $b_library (service $b)"
fails_naming "$planted" "$common_library (common) links $a_library (service $a)"
echo "boundary check: refuses includes and links between services and from common/ to a service, and spelled-out wire type names"
