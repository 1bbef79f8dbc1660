#pragma once
// The audit's api: its checkpoint and the proofs an outsider checks against it
// (schemas/audit.capnp), for brokers and monitors, reads only; and the witnessing of
// peers' logs, for peers.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/service/api_server.hpp"
#include "services/audit/audit_log.hpp"
#include "services/audit/domain/note.hpp"
#include "services/audit/witness.hpp"
#include "services/audit/witnessing.hpp"

namespace gosmart::audit {

// `streams`: the local streams the audit reads, and `member`: the federation's
// countries; a proof asked of another stream or origin is refused. Checkpoints are
// signed with `signer` as they are asked for.
// The checkpoint's reply carries what `witnessing` holds of the peers' cosignatures;
// "audit.witness.add" (peers only) is answered by `witness`.
void install_audit_api(service::ApiServer& server, const service::ServiceInfo& info,
                       const AuditLog& log, const SignerKey& signer,
                       std::vector<std::string> streams,
                       std::function<bool(std::string_view)> member, Witness& witness,
                       const Witnessing& witnessing);

}  // namespace gosmart::audit
