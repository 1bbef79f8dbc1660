#pragma once
// The node's audit signing key (C2SP signed-note, Ed25519): read from the audit's
// data directory, or made there on the first start (mode 0600) when the deploy tools
// did not put one there, named after the log's origin. Its verifier key is what
// peers and outsiders check checkpoints with: the audit logs it at start and sends
// it with every checkpoint (to be checked against one known from elsewhere).
#include <filesystem>
#include <string>

#include "services/audit/domain/note.hpp"

namespace gosmart::audit {

// Throws std::runtime_error when the file holds no signer key.
SignerKey audit_signing_key(const std::filesystem::path& file, const std::string& name);

}  // namespace gosmart::audit
