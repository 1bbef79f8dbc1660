// A JSON Lines file for `gosmartctl import` comes from another team's database
// export: parse_line must turn any line into a record or a Failure, never a crash
// or an escaping exception, and a record it accepts must become a request envelope
// that decodes (request_for, with and without an owner id put in).
#include <string_view>

#include "common/envelope/envelope.hpp"
#include "tests/fuzz/fuzz_target.hpp"
#include "tools/import/jsonl_records.hpp"

using namespace gosmart;

namespace {

void check_request(const std::string& bytes) {
  GOSMART_FUZZ_CHECK(
      decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}).ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  auto record = import::parse_line(line, 1);
  if (!record.ok()) return 0;
  check_request(import::request_for(record.value(), "PL"));
  if (record.value().kind == import::RecordKind::profile) {
    check_request(import::request_for(record.value(), "PL", "PL-000042"));
  }
  return 0;
}
