// Every byte string a peer can send reaches decode_envelope and then the payload
// readers. Nothing may crash, hang or read out of bounds; errors are values.
#include <cstddef>
#include <cstdint>

#include "common/envelope/envelope.hpp"
#include "schemas/platform.capnp.h"

using namespace gosmart;

namespace {

void read_all(const DecodedEnvelope& envelope) {
  auto status = guarded([&]() -> Status {
    const auto& type = envelope.header().type;
    if (type == "platform.heartbeat") {
      for (auto head : envelope.payload<wire::Heartbeat>().getHeads()) {
        (void)head.getOrigin().size();
        (void)head.getLastSeq();
      }
    } else if (type == "platform.catchup.page") {
      auto page = envelope.payload<wire::CatchupPage>();
      (void)page.getOrigin();
      for (auto event : page.getEvents()) {
        auto inner = decode_envelope({event.begin(), event.size()});
        if (inner.ok()) (void)inner.value().header().type.size();
      }
    } else if (type == "platform.health.reply") {
      auto health = envelope.payload<wire::HealthReply>();
      for (auto metric : health.getMetrics()) (void)metric.getName();
      for (auto peer : health.getPeers()) (void)peer.getState();
    } else if (type == "error") {
      auto error = envelope.payload<wire::Error>();
      (void)error.getMessage();
      (void)error.getCode();
    }
    return {};
  });
  (void)status;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  EnvelopeLimits limits;
  limits.max_bytes = 64 * 1024;
  auto decoded = decode_envelope({data, size}, limits);
  if (decoded.ok()) read_all(decoded.value());
  return 0;
}
