#include "services/audit/witnessing.hpp"

#include <capnp/message.h>
#include <spdlog/spdlog.h>

#include "common/envelope/wire_type.hpp"
#include "common/store/capnp_value.hpp"
#include "schemas/audit.capnp.h"

namespace gosmart::audit {

Witnessing::Witnessing(store::Store& store, transport::Transport& transport, const AuditLog& log,
                       const SignerKey& signer, std::string country, std::vector<WitnessPeer> peers)
    : store_(store), log_(log), signer_(signer), country_(std::move(country)) {
  for (auto& peer : peers) {
    auto socket = transport.connect(zmq::socket_type::dealer, peer.api, peer.server_key);
    auto witness = std::make_unique<Witness>();
    witness->peer = std::move(peer);
    witness->socket = std::move(socket);
    // What it cosigned before a restart: its size is where the next proof starts.
    auto stored = store_.get(store_.cf(kCosignedCf), witness->peer.country);
    if (stored && stored.value()) {
      if (auto record = store::StoredValue<wire::AuditCosigned>::parse(*stored.value())) {
        witness->held = record->get().getSize();
        witness->cosigned_size = witness->held;
        witness->cosigned_text = record->get().getCheckpointText().cStr();
        witness->cosignature = record->get().getCosignature().cStr();
        witness->key = record->get().getWitnessKey().cStr();
      }
    }
    witnesses_.push_back(std::move(witness));
  }
}

void Witnessing::attach(service::Loop& loop) {
  for (auto& witness : witnesses_) {
    auto* w = witness.get();
    loop.on_readable(w->socket, [this, w] { on_readable(*w); });
  }
}

void Witnessing::round(std::chrono::milliseconds patience) {
  auto now = std::chrono::steady_clock::now();
  for (auto& witness : witnesses_) {
    if (witness->waiting_for && now - witness->asked_at < patience) continue;
    witness->waiting_for.reset();  // unanswered (the peer away): asked again
    if (witness->held > log_.size()) {
      // Said when it is found and every 100 rounds while it lasts.
      if (witness->rounds_since_answer++ % 100 != 0) continue;
      spdlog::error(
          "audit: {}'s audit has cosigned {} leaves of this log, which now has {}: this log "
          "was rolled back (restored from an older backup?); it will not cosign less until "
          "this log has read its streams back to there",
          witness->peer.country, witness->held, log_.size());
      continue;
    }
    // Once in a while (and first thing after a start) a witness that seems to hold
    // the tree as it stands is asked again: a restored log learns that way that it
    // holds less than its witness does.
    constexpr unsigned kConfirmEvery = 100;
    if (++witness->rounds_since_answer >= kConfirmEvery) witness->confirmed = false;
    // Also when it holds the tree as it stands but the cosignature kept is of an
    // older one (a restored log read back to exactly that size, outside findings).
    if (log_.size() == 0 || (witness->held == log_.size() && witness->confirmed &&
                             witness->cosigned_size == witness->held)) {
      continue;
    }
    ask(*witness);
  }
}

void Witnessing::ask(Witness& witness) {
  auto text = log_.checkpoint_text();
  auto note = sign_note(text, signer_);
  auto proof = log_.consistency(witness.held, 0);
  if (!note || !proof) {
    spdlog::error("audit: no checkpoint to show {}'s audit: {}", witness.peer.country,
                  proof ? "it cannot be signed" : proof.error().message);
    return;
  }
  EnvelopeBuilder request(country_, wire::Service::AUDIT, wire_type(wire::AUDIT_WITNESS_ADD));
  auto q = request.init_payload<wire::AuditWitnessRequest>();
  q.setSignedNote(*note);
  q.setVerifierKey(verifier_key_text(verifier_of(signer_)));
  q.setOldSize(witness.held);
  auto path = q.initProof(static_cast<unsigned>(proof.value().path.size()));
  for (unsigned i = 0; i < path.size(); ++i) {
    path.set(i, capnp::Data::Reader(proof.value().path[i].data(), proof.value().path[i].size()));
  }
  auto bytes = request.encode();
  auto decoded = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  if (!decoded) return;
  if (!witness.socket.send(zmq::buffer(bytes), zmq::send_flags::dontwait)) return;  // not yet
  witness.waiting_for = decoded.value().header().message_id;
  witness.asked_at = std::chrono::steady_clock::now();
  witness.asked_text = text;
}

void Witnessing::on_readable(Witness& witness) {
  for (;;) {
    auto frames = transport::recv_message(witness.socket);
    if (frames.empty()) return;
    if (frames.size() != 1 || !witness.waiting_for) continue;
    auto reply = decode_envelope({frames[0].data<uint8_t>(), frames[0].size()});
    if (!reply || reply.value().header().correlation_id != *witness.waiting_for) continue;
    witness.waiting_for.reset();
    witness.confirmed = true;
    witness.rounds_since_answer = 0;
    const auto& answer = reply.value();
    try {
      if (answer.header().type == wire_type(wire::ERROR_REPLY)) {
        auto error = answer.payload<wire::Error>();
        ++refusals_;
        witness.refused = true;
        spdlog::error("audit: {}'s audit refused to cosign this log's checkpoint: {}",
                      witness.peer.country, error.getMessage().cStr());
        continue;
      }
      if (answer.header().type != wire_type(wire::AUDIT_WITNESS_REPLY)) continue;
      auto r = answer.payload<wire::AuditWitnessReply>();
      if (r.getOutcome() == wire::AuditWitnessReply::Outcome::CONFLICT) {
        if (r.getWitnessSize() < witness.cosigned_size) {
          // A witness that went back: its record lost or restored, and it would now
          // cosign from there what it refused before (outside findings).
          spdlog::error(
              "audit: {}'s audit holds {} leaves of this log, fewer than the {} it cosigned: "
              "its record was lost or rolled back",
              witness.peer.country, r.getWitnessSize(), witness.cosigned_size);
          witness.went_back = true;
        } else {
          spdlog::info("audit: {}'s audit holds {} leaves of this log (not {}); proving from there",
                       witness.peer.country, r.getWitnessSize(), witness.held);
        }
        witness.held = r.getWitnessSize();
        continue;
      }
      // What it cosigned is the checkpoint asked about (the tree may have grown since).
      const auto& text = witness.asked_text;
      auto line = std::string(r.getCosignature().cStr());
      auto key = parse_verifier_key(r.getWitnessKey().cStr());
      auto note = sign_note(text, signer_);
      if (!key || !note || open_note(*note + line, {*key}).cosigned_by.empty()) {
        ++refusals_;
        spdlog::error("audit: {}'s audit sent a cosignature that does not verify",
                      witness.peer.country);
        continue;
      }
      witness.held = r.getWitnessSize();
      witness.cosigned_size = witness.held;
      witness.refused = false;
      witness.went_back = false;
      witness.cosigned_text = text;
      witness.cosignature = line;
      witness.key = r.getWitnessKey().cStr();
      ++cosignatures_;
      capnp::MallocMessageBuilder message;
      auto record = message.initRoot<wire::AuditCosigned>();
      record.setSize(witness.cosigned_size);
      record.setCheckpointText(witness.cosigned_text);
      record.setCosignature(witness.cosignature);
      record.setWitnessKey(witness.key);
      rocksdb::WriteBatch batch;
      batch.Put(store_.cf(kCosignedCf), witness.peer.country, store::to_bytes(message));
      // Not synced: a cosignature lost to a machine crash is asked for again.
      if (auto stored = store_.commit(batch, store::Durability::no_sync); !stored) {
        spdlog::error("audit: {}'s cosignature not stored: {}", witness.peer.country,
                      stored.error().message);
      }
    } catch (const kj::Exception&) {
      spdlog::warn("audit: an unreadable answer from {}'s audit", witness.peer.country);
    }
  }
}

std::vector<std::string> Witnessing::troubles() const {
  std::vector<std::string> out;
  for (const auto& witness : witnesses_) {
    const auto& country = witness->peer.country;
    if (witness->refused) out.push_back(country + "'s audit refuses to cosign this log");
    if (witness->held > log_.size()) {
      out.push_back(country + "'s audit holds more of this log than it has (rolled back)");
    }
    if (witness->went_back) out.push_back(country + "'s audit went back on what it cosigned");
  }
  return out;
}

Witnessing::Witnessed Witnessing::witnessed() const {
  Witnessed out;
  const Witness* latest = nullptr;
  for (const auto& witness : witnesses_) {
    if (!witness->cosignature.empty() &&
        (!latest || witness->cosigned_size > latest->cosigned_size)) {
      latest = witness.get();
    }
  }
  if (!latest) return out;
  auto note = sign_note(latest->cosigned_text, signer_);
  if (!note) return out;
  out.size = latest->cosigned_size;
  out.note = *note;
  for (const auto& witness : witnesses_) {
    if (witness->cosigned_text == latest->cosigned_text && !witness->cosignature.empty()) {
      out.note += witness->cosignature;
      out.keys.push_back(witness->key);
    }
  }
  return out;
}

}  // namespace gosmart::audit
