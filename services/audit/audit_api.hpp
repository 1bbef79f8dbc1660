#pragma once
// The audit's api: its checkpoint and the proofs an outsider checks against it
// (schemas/audit.capnp), for brokers and monitors. Reads only.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/service/api_server.hpp"
#include "services/audit/audit_log.hpp"
#include "services/audit/domain/note.hpp"

namespace gosmart::audit {

// `streams`: the local streams the audit reads, and `member`: the federation's
// countries; a proof asked of another stream or origin is refused. Checkpoints are
// signed with `signer` as they are asked for.
void install_audit_api(service::ApiServer& server, const service::ServiceInfo& info,
                       const AuditLog& log, const SignerKey& signer,
                       std::vector<std::string> streams,
                       std::function<bool(std::string_view)> member);

}  // namespace gosmart::audit
