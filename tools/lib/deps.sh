# Sourced by the tools: installs the Debian 12 packages the build needs, only those
# missing, and says nothing when everything is already there.
GOSMART_PACKAGES=(
  cmake ninja-build g++ pkg-config ccache clang-format
  libzmq3-dev cppzmq-dev libcapnp-dev capnproto librocksdb-dev libspdlog-dev
  catch2 libsodium-dev libcli11-dev libtomlplusplus-dev nlohmann-json3-dev iso-codes
  libxapian-dev libcpp-httplib-dev
  # promtool, which the tests run over the /metrics exposition
  prometheus
  # Words across languages in matching (services/matching/domain/term_dictionary.hpp):
  # FreeDict's national-to-English dictionaries, and English-German for the English
  # vocabulary. None is packaged for Latvian or Estonian.
  dict-freedict-deu-eng dict-freedict-fin-eng dict-freedict-dan-eng dict-freedict-pol-eng
  dict-freedict-lit-eng dict-freedict-eng-deu
  # The notifier: templates (Mustache), plurals and dates per language (ICU), SMTP and
  # webhooks (libcurl); its system tests run a real SMTP server (aiosmtpd)
  libkainjow-mustache-dev libicu-dev libcurl4-openssl-dev python3-aiosmtpd
  # the demo's one-click unsubscribe, made as a mail client makes it
  curl
)
GOSMART_FUZZ_PACKAGES=(clang libclang-rt-14-dev)

# The benchmarks' SMTP sink is postfix's smtp-sink: postfix is installed without a
# mail configuration (it is not run as a mail server).
gosmart_install_bench_packages() {
  [[ -n "$(gosmart_missing_packages postfix)" ]] || return 0
  local sudo=""
  [[ "$(id -u)" != 0 ]] && sudo="sudo"
  echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
  gosmart_install_packages postfix
}

gosmart_missing_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$pkg")
  done
  echo "${missing[@]}"
}

gosmart_install_packages() {
  local missing
  missing="$(gosmart_missing_packages "$@")"
  [[ -z "$missing" ]] && return 0
  echo "installing: $missing"
  local sudo=""
  [[ "$(id -u)" != 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

gosmart_root() { cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd; }

# Configures (once) and builds DIR with the given extra CMake arguments; the
# targets to build can be named in GOSMART_TARGETS (default: all).
gosmart_build() {
  local dir="$1"; shift
  local root; root="$(gosmart_root)"
  # Configure every time: cheap once cached, and options given now take effect.
  cmake -S "$root" -B "$dir" -G Ninja "$@" >/dev/null
  # shellcheck disable=SC2086
  cmake --build "$dir" ${GOSMART_TARGETS:+--target $GOSMART_TARGETS} -- -j"$(nproc)"
}
