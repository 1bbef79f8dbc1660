#include "services/audit/audit_api.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/envelope/wire_type.hpp"
#include "common/reference/regions.hpp"
#include "schemas/audit.capnp.h"

namespace gosmart::audit {

namespace {

using config::Role;

capnp::Data::Reader data_of(const Hash& hash) {
  return capnp::Data::Reader(hash.data(), hash.size());
}

// For an error message: bytes outside printable ASCII as '?'.
std::string printable(std::string text) {
  if (text.size() > 64) text.resize(64);
  for (auto& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  }
  return text;
}

template <class List>
void set_path(List list, const std::vector<Hash>& path) {
  for (unsigned i = 0; i < path.size(); ++i) list.set(i, data_of(path[i]));
}

}  // namespace

void install_audit_api(service::ApiServer& server, const service::ServiceInfo& info,
                       const AuditLog& log, const SignerKey& signer,
                       std::vector<std::string> streams,
                       std::function<bool(std::string_view)> member, Witness& witness,
                       const Witnessing& witnessing) {
  const std::set<Role> readers = {Role::broker, Role::monitor};

  server.handle(
      wire_type(wire::AUDIT_WITNESS_ADD), {Role::peer},
      [&info, &witness](const service::Request& request) -> Result<std::string> {
        auto q = request.envelope.payload<wire::AuditWitnessRequest>();
        std::vector<Hash> proof;
        for (auto step : q.getProof()) {
          Hash hash{};
          if (step.size() != hash.size()) {
            return fail(ErrorCode::INVALID_FIELD, "a proof step is not 32 bytes", "proof");
          }
          std::copy(step.begin(), step.end(), hash.begin());
          proof.push_back(hash);
        }
        auto now_s = static_cast<uint64_t>(now_us() / 1'000'000);
        auto answer =
            witness.add_checkpoint(request.caller.name, q.getSignedNote().cStr(),
                                   q.getVerifierKey().cStr(), q.getOldSize(), proof, now_s);
        if (!answer) {
          // Whatever the reason, the peer's log is not what this witness holds of it:
          // an operator looks, and the peer hears why.
          spdlog::error("audit: refused to cosign {}'s log: {}", request.caller.name,
                        answer.error().message);
          return answer.error();
        }
        auto reply = service::make_reply(info, request, wire_type(wire::AUDIT_WITNESS_REPLY));
        auto r = reply.init_payload<wire::AuditWitnessReply>();
        r.setOutcome(answer.value().cosigned ? wire::AuditWitnessReply::Outcome::COSIGNED
                                             : wire::AuditWitnessReply::Outcome::CONFLICT);
        r.setCosignature(answer.value().cosignature);
        r.setWitnessSize(answer.value().held_size);
        r.setWitnessKey(witness.key_text());
        return reply.encode();
      });

  server.handle(
      wire_type(wire::AUDIT_CHECKPOINT), readers,
      [&info, &log, &signer, &witnessing](const service::Request& request) -> Result<std::string> {
        auto text = log.checkpoint_text();
        auto note = sign_note(text, signer);
        if (!note) return fail(ErrorCode::INTERNAL, "the checkpoint cannot be signed");
        auto reply = service::make_reply(info, request, wire_type(wire::AUDIT_CHECKPOINT_REPLY));
        auto c = reply.init_payload<wire::AuditCheckpoint>();
        c.setOrigin(log.origin());
        c.setSize(log.size());
        auto root = log.root();
        c.setRootHash(data_of(root));
        c.setText(text);
        c.setSignedNote(*note);
        c.setVerifierKey(verifier_key_text(verifier_of(signer)));
        c.setCosignerKey(verifier_key_text(cosigner_of(signer)));
        auto witnessed = witnessing.witnessed();
        c.setWitnessedNote(witnessed.note);
        c.setWitnessedSize(witnessed.size);
        auto keys = c.initWitnesses(static_cast<unsigned>(witnessed.keys.size()));
        for (unsigned i = 0; i < keys.size(); ++i) keys.set(i, witnessed.keys[i]);
        return reply.encode();
      });

  server.handle(
      wire_type(wire::AUDIT_PROOF_INCLUSION), readers,
      [&info, &log, streams, member](const service::Request& request) -> Result<std::string> {
        auto q = request.envelope.payload<wire::AuditInclusionRequest>();
        // Whole, zero bytes included: "registry\0x" is no stream (outside findings).
        std::string service(q.getService().begin(), q.getService().size());
        std::string origin(q.getOrigin().begin(), q.getOrigin().size());
        if (std::find(streams.begin(), streams.end(), service) == streams.end()) {
          return fail(ErrorCode::INVALID_FIELD,
                      "the audit reads no stream named '" + printable(service) + "'", "service");
        }
        if (!reference::is_country_code(origin) || !member(origin)) {
          return fail(ErrorCode::INVALID_FIELD,
                      "not a country of the federation: '" + printable(origin) + "'", "origin");
        }
        auto answer = log.inclusion(service, origin, q.getSeq(), q.getTreeSize());
        if (!answer) return answer.error();
        const auto& a = answer.value();
        auto reply =
            service::make_reply(info, request, wire_type(wire::AUDIT_PROOF_INCLUSION_REPLY));
        auto p = reply.init_payload<wire::AuditInclusionProof>();
        p.setIndex(a.index);
        p.setTreeSize(a.tree_size);
        p.setLeaf(a.entry);
        set_path(p.initPath(static_cast<unsigned>(a.path.size())), a.path);
        p.setRootHash(data_of(a.root));
        return reply.encode();
      });

  server.handle(wire_type(wire::AUDIT_PROOF_CONSISTENCY), readers,
                [&info, &log](const service::Request& request) -> Result<std::string> {
                  auto q = request.envelope.payload<wire::AuditConsistencyRequest>();
                  auto answer = log.consistency(q.getOldSize(), q.getNewSize());
                  if (!answer) return answer.error();
                  const auto& a = answer.value();
                  auto reply = service::make_reply(info, request,
                                                   wire_type(wire::AUDIT_PROOF_CONSISTENCY_REPLY));
                  auto p = reply.init_payload<wire::AuditConsistencyProof>();
                  p.setOldSize(a.old_size);
                  p.setNewSize(a.new_size);
                  set_path(p.initPath(static_cast<unsigned>(a.path.size())), a.path);
                  p.setOldRootHash(data_of(a.old_root));
                  p.setNewRootHash(data_of(a.new_root));
                  return reply.encode();
                });
}

}  // namespace gosmart::audit
