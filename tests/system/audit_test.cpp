// The audit as a client sees it: a PL node's registry writes, its audit reads the
// stream, and every event is proved against the audit's checkpoint with the RFC
// 9162 verifiers alone (the client trusts nothing but the proof and the root); a
// later checkpoint is proved to extend the earlier; a killed audit comes back to
// the same tree; bad questions get typed errors.
#include <sys/stat.h>
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>

#include "schemas/audit.capnp.h"
#include "services/audit/domain/merkle.hpp"
#include "services/audit/domain/note.hpp"
#include "tests/support/registry_federation.hpp"

using namespace gosmart;
using namespace gosmart::testing;
using audit::Hash;

namespace {

Hash hash_of(capnp::Data::Reader data) {
  Hash out{};
  REQUIRE(data.size() == out.size());
  std::copy(data.begin(), data.end(), out.begin());
  return out;
}

std::string base64(const Hash& hash) {
  return audit::hash_text(hash);
}

std::vector<Hash> path_of(capnp::List<capnp::Data>::Reader list) {
  std::vector<Hash> out;
  for (auto h : list) out.push_back(hash_of(h));
  return out;
}

struct Tree {
  uint64_t size = 0;
  Hash root{};
  std::string verifier;  // the audit's verifier key, as it says
};

Tree checkpoint(Federation& f) {
  auto reply =
      f.call<wire::AuditCheckpointRequest>("PL", f.watcher, "audit.checkpoint", [](auto) {});
  REQUIRE(reply.header().type == "audit.checkpoint.reply");
  auto c = reply.payload<wire::AuditCheckpoint>();
  // The text is a C2SP tlog-checkpoint of the same tree.
  auto parsed = audit::parse_checkpoint(std::string(c.getText().cStr()));
  REQUIRE(parsed);
  CHECK(parsed->origin == "gosmart-audit/PL");
  CHECK(parsed->size == c.getSize());
  CHECK(parsed->root == hash_of(c.getRootHash()));
  // Signed by the key it names: the note opens to the very checkpoint text.
  auto verifier = audit::parse_verifier_key(std::string(c.getVerifierKey().cStr()));
  REQUIRE(verifier);
  CHECK(verifier->name == "gosmart-audit/PL");
  auto opened = audit::open_note(std::string(c.getSignedNote().cStr()), {*verifier});
  INFO(opened.error);
  CHECK(opened.error.empty());
  CHECK(opened.text == std::string(c.getText().cStr()));
  return {c.getSize(), hash_of(c.getRootHash()), c.getVerifierKey()};
}

// Registers `count` PL organisations; returns the last one's id.
std::string register_orgs(Federation& f, int count) {
  std::string id;
  for (int i = 0; i < count; ++i) {
    auto reply = f.call<wire::OrgWrite>("PL", f.broker, "registry.org.register",
                                        [](auto w) { fill_org(w.initOrganisation()); });
    REQUIRE(reply.header().type == "registry.org.reply");
    id = reply.payload<wire::OrgReply>().getOrganisation().getId();
  }
  return id;
}

// Proves the registry's PL event `seq` in the tree `tree`, as an outsider would.
void prove_event(Federation& f, uint64_t seq, const Tree& tree) {
  auto reply =
      f.call<wire::AuditInclusionRequest>("PL", f.watcher, "audit.proof.inclusion", [&](auto q) {
        q.setService("registry");
        q.setOrigin("PL");
        q.setSeq(seq);
        q.setTreeSize(tree.size);
      });
  INFO("event " << seq);
  REQUIRE(reply.header().type == "audit.proof.inclusion.reply");
  auto p = reply.payload<wire::AuditInclusionProof>();
  std::string leaf = p.getLeaf();
  CHECK(leaf.rfind("gosmart-audit/v1 registry PL " + std::to_string(seq) + " registry.", 0) == 0);
  CHECK(p.getTreeSize() == tree.size);
  CHECK(hash_of(p.getRootHash()) == tree.root);
  CHECK(audit::verify_inclusion(audit::leaf_hash(leaf), p.getIndex(), tree.size,
                                path_of(p.getPath()), tree.root));
  // The same proof does not hold for another leaf.
  CHECK_FALSE(audit::verify_inclusion(audit::leaf_hash(leaf + " "), p.getIndex(), tree.size,
                                      path_of(p.getPath()), tree.root));
}

void prove_extends(Federation& f, const Tree& old_tree, const Tree& new_tree) {
  auto reply = f.call<wire::AuditConsistencyRequest>("PL", f.watcher, "audit.proof.consistency",
                                                     [&](auto q) {
                                                       q.setOldSize(old_tree.size);
                                                       q.setNewSize(new_tree.size);
                                                     });
  REQUIRE(reply.header().type == "audit.proof.consistency.reply");
  auto p = reply.payload<wire::AuditConsistencyProof>();
  CHECK(hash_of(p.getOldRootHash()) == old_tree.root);
  CHECK(hash_of(p.getNewRootHash()) == new_tree.root);
  CHECK(audit::verify_consistency(old_tree.size, new_tree.size, path_of(p.getPath()), old_tree.root,
                                  new_tree.root));
}

struct CtlRun {
  int exit = -1;
  std::string output;
};

// gosmartctl --config PL/audit.toml --key <the watcher's> ARGS…, as an operator runs it.
CtlRun ctl(Federation& f, std::vector<std::string> args) {
  auto prefix = f.dir.path() / "watcher";
  {
    std::ofstream(prefix.string() + ".public") << f.watcher.keys.public_key << "\n";
    std::ofstream(prefix.string() + ".secret") << f.watcher.keys.secret_key << "\n";
  }
  ::chmod((prefix.string() + ".secret").c_str(), 0600);
  std::vector<std::string> argv = {binary("gosmartctl").string(), "--config",
                                   (f.nodes.at("PL").dir / "audit.toml").string(), "--key",
                                   prefix.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  static int runs = 0;
  Process process(argv, f.dir.path() / ("ctl-" + std::to_string(++runs) + ".out"));
  CtlRun run;
  run.exit = process.wait(60s);
  run.output = process.log();
  return run;
}

std::string error_code(const DecodedEnvelope& reply) {
  if (reply.header().type != "error") return "not an error: " + reply.header().type;
  return std::to_string(static_cast<int>(reply.payload<wire::Error>().getCode()));
}

}  // namespace

TEST_CASE("the audit proves every event of its node's stream against its checkpoint",
          "[system][audit]") {
  Federation f({"PL"});
  register_orgs(f, 5);
  f.start_audit("PL");

  auto registry_head = [&] {
    ApiClient client(f.broker.keys);
    auto health = client.health(f.nodes.at("PL").registry.api, f.key("PL"), 2s);
    REQUIRE(health);
    return health->last_seq_written;
  };
  uint64_t head = registry_head();
  REQUIRE(head >= 5);
  REQUIRE(eventually([&] { return checkpoint(f).size >= head; }, 30s));
  Tree first = checkpoint(f);
  CHECK(first.size == head);  // each event once: the registry's stream is all it read
  for (uint64_t seq = 1; seq <= head; ++seq) prove_event(f, seq, first);

  // More events: a larger tree that extends the first; old events prove in both.
  register_orgs(f, 4);
  uint64_t later_head = registry_head();
  REQUIRE(eventually([&] { return checkpoint(f).size >= later_head; }, 30s));
  Tree second = checkpoint(f);
  CHECK(second.size == later_head);
  prove_extends(f, first, second);
  prove_event(f, 1, second);
  prove_event(f, later_head, second);

  SECTION("a killed audit comes back to the same tree and goes on from it") {
    f.audits.at("PL")->kill_hard();
    register_orgs(f, 2);  // written while it is down: caught up on its return
    f.start_audit("PL");
    uint64_t final_head = registry_head();
    REQUIRE(eventually([&] { return checkpoint(f).size >= final_head; }, 30s));
    Tree third = checkpoint(f);
    CHECK(third.size == final_head);
    CHECK(third.verifier == second.verifier);  // the same signing key, kept
    auto key_file = f.nodes.at("PL").dir / "data" / "audit" / "audit-signing.key";
    INFO(key_file);
    REQUIRE(std::filesystem::exists(key_file));
    CHECK((std::filesystem::status(key_file).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
    prove_extends(f, second, third);
    prove_extends(f, first, third);
    for (uint64_t seq = 1; seq <= final_head; ++seq) prove_event(f, seq, third);
  }

  SECTION("an organisation erased while the audit was down leaves no hole in its tree") {
    // The registry serves the erased organisation's events as placeholders: each
    // number is still a leaf (outside findings: the audit passed them over).
    f.audits.at("PL")->kill_hard();
    std::string erased = register_orgs(f, 1);
    auto reply = f.call<wire::OrgErase>("PL", f.broker, "registry.org.erase", [&](auto e) {
      e.setId(erased);
      e.setReason("GDPR art. 17 request");
    });
    REQUIRE(reply.header().type == "registry.org.erased.reply");
    f.start_audit("PL");
    uint64_t final_head = registry_head();
    REQUIRE(eventually([&] { return checkpoint(f).size >= final_head; }, 30s));
    Tree after = checkpoint(f);
    CHECK(after.size == final_head);
    prove_extends(f, second, after);
    int placeholders = 0;
    for (uint64_t seq = later_head + 1; seq <= final_head; ++seq) {
      auto proof = f.call<wire::AuditInclusionRequest>("PL", f.watcher, "audit.proof.inclusion",
                                                       [&](auto q) {
                                                         q.setService("registry");
                                                         q.setOrigin("PL");
                                                         q.setSeq(seq);
                                                       });
      INFO("event " << seq);
      REQUIRE(proof.header().type == "audit.proof.inclusion.reply");
      std::string leaf = proof.payload<wire::AuditInclusionProof>().getLeaf();
      if (leaf.find(" platform.redacted ") != std::string::npos) ++placeholders;
    }
    CHECK(placeholders >= 1);  // the registration, redacted by the erasure
  }

  SECTION("gosmartctl proves an event and a tree's extension, and checks them itself") {
    auto proved = ctl(f, {"audit", "prove", "--origin", "PL", "--seq", "2"});
    INFO(proved.output);
    CHECK(proved.exit == 0);
    CHECK(proved.output.find("gosmart-audit/v1 registry PL 2 ") != std::string::npos);
    auto older = ctl(f, {"audit", "prove", "--origin", "PL", "--seq", "1", "--size",
                         std::to_string(first.size)});
    INFO(older.output);
    CHECK(older.exit == 0);
    auto extended = ctl(
        f, {"audit", "consistency", std::to_string(first.size), "--old-root", base64(first.root)});
    INFO(extended.output);
    CHECK(extended.exit == 0);
    CHECK(extended.output.find("extends the old") != std::string::npos);
    // A root kept that the audit's tree of that size does not have: a rewritten
    // history, refused however well its own proof holds (outside findings).
    auto rewritten = ctl(
        f, {"audit", "consistency", std::to_string(first.size), "--old-root", base64(second.root)});
    CHECK(rewritten.exit == 1);
    CHECK(rewritten.output.find("not the one you kept") != std::string::npos);
    auto kept_prove = ctl(f, {"audit", "prove", "--origin", "PL", "--seq", "1", "--size",
                              std::to_string(first.size), "--root", base64(second.root)});
    CHECK(kept_prove.exit == 1);
    for (const char* bad : {"-1", "18446744073709551616", "1x", ""}) {
      auto wrapped = ctl(f, {"audit", "prove", "--origin", "PL", "--seq", bad});
      INFO(bad << ": " << wrapped.output);
      CHECK(wrapped.exit == 1);
      CHECK(wrapped.output.find("--seq") != std::string::npos);
    }
    auto checkpoint_text = ctl(f, {"audit", "checkpoint", "--verifier", second.verifier});
    INFO(checkpoint_text.output);
    CHECK(checkpoint_text.exit == 0);
    CHECK(checkpoint_text.output.rfind("gosmart-audit/PL\n" + std::to_string(second.size) + "\n",
                                       0) == 0);
    CHECK(checkpoint_text.output.find("(signature checked)") != std::string::npos);
    // Another key of the same name: the signature does not hold under it.
    auto stranger = audit::signer_from_seed("gosmart-audit/PL", std::array<uint8_t, 32>{3});
    REQUIRE(stranger);
    auto forged = ctl(f, {"audit", "checkpoint", "--verifier",
                          audit::verifier_key_text(audit::verifier_of(*stranger))});
    CHECK(forged.exit == 1);
    CHECK(forged.output.find("SIGNATURE FAILED") != std::string::npos);
    // Another node's key is no proof of PL's log, however its signature is made.
    auto other = audit::signer_from_seed("gosmart-audit/FI", std::array<uint8_t, 32>{4});
    REQUIRE(other);
    auto foreign = ctl(f, {"audit", "checkpoint", "--verifier",
                           audit::verifier_key_text(audit::verifier_of(*other))});
    CHECK(foreign.exit == 1);
    // A kept root or key given empty (an unset shell variable) is refused, not skipped.
    for (std::vector<std::string> args :
         {std::vector<std::string>{"audit", "consistency", "1", "--old-root", ""},
          {"audit", "prove", "--origin", "PL", "--seq", "1", "--size", "1", "--root", ""},
          {"audit", "checkpoint", "--verifier", ""}}) {
      auto empty = ctl(f, args);
      INFO(args.back() << empty.output);
      CHECK(empty.exit == 1);
      CHECK(empty.output.find("given empty") != std::string::npos);
    }
    auto missing = ctl(f, {"audit", "prove", "--origin", "PL", "--seq", "9999"});
    CHECK(missing.exit == 1);
    auto refused =
        ctl(f, {"audit", "prove", "--service", "billing", "--origin", "PL", "--seq", "1"});
    CHECK(refused.exit == 1);
  }

  SECTION("bad questions get typed errors") {
    auto ask = [&](const TestClient& who, const std::string& service, const std::string& origin,
                   uint64_t seq, uint64_t tree_size) {
      return f.call<wire::AuditInclusionRequest>("PL", who, "audit.proof.inclusion", [&](auto q) {
        q.setService(capnp::Text::Reader(service.c_str(), service.size()));
        q.setOrigin(origin);
        q.setSeq(seq);
        q.setTreeSize(tree_size);
      });
    };
    auto invalid = std::to_string(static_cast<int>(wire::ErrorCode::INVALID_FIELD));
    auto not_found = std::to_string(static_cast<int>(wire::ErrorCode::NOT_FOUND));
    auto refused = std::to_string(static_cast<int>(wire::ErrorCode::NOT_AUTHORISED));
    CHECK(error_code(ask(f.watcher, "billing", "PL", 1, 0)) == invalid);
    CHECK(error_code(ask(f.watcher, "registry", "pl", 1, 0)) == invalid);
    CHECK(error_code(ask(f.watcher, "registry", "XX", 1, 0)) == invalid);  // no member
    CHECK(error_code(ask(f.watcher, std::string("registry\0x", 10), "PL", 1, 0)) == invalid);
    CHECK(error_code(ask(f.watcher, "registry", "PL", later_head + 100, 0)) == not_found);
    CHECK(error_code(ask(f.watcher, "registry", "PL", later_head, first.size)) == not_found);
    CHECK(error_code(ask(f.watcher, "registry", "PL", 1, second.size + 1)) == invalid);
    CHECK(error_code(ask(f.portal, "registry", "PL", 1, 0)) == refused);
    auto backwards = f.call<wire::AuditConsistencyRequest>("PL", f.watcher,
                                                           "audit.proof.consistency", [&](auto q) {
                                                             q.setOldSize(second.size);
                                                             q.setNewSize(first.size);
                                                           });
    CHECK(error_code(backwards) == invalid);
    // Nothing changed: the tree is as it was.
    Tree after = checkpoint(f);
    CHECK(after.size == second.size);
    CHECK(after.root == second.root);
  }
}

// Witnessing across processes (session 19): FI's audit cosigns PL's checkpoints; PL's
// audit restored from an older copy of its store, its registry away so that it
// cannot read its way back, is not cosigned below what FI holds: PL's audit learns
// FI holds more of its log than it has and says it was rolled back; once it has read
// its stream again, the same tree grows past it and FI cosigns again.
TEST_CASE("an audit restored from an older copy is not cosigned below what its witness holds",
          "[system][audit]") {
  Federation f({"PL", "FI"}, true);  // with matching: every stream the audits read runs
  const std::string witnessing = "[audit]\nwitness_interval_ms = 200\n";
  register_orgs(f, 3);
  f.start_audit("FI", {}, witnessing);
  f.start_audit("PL", {}, witnessing);
  struct Witnessed {
    uint64_t size = 0, witnessed = 0;
    std::size_t witnesses = 0;
  };
  auto witnessed = [&] {
    auto reply =
        f.call<wire::AuditCheckpointRequest>("PL", f.watcher, "audit.checkpoint", [](auto) {});
    REQUIRE(reply.header().type == "audit.checkpoint.reply");
    auto c = reply.payload<wire::AuditCheckpoint>();
    return Witnessed{c.getSize(), c.getWitnessedSize(), c.getWitnesses().size()};
  };
  auto registry_head = [&] {
    ApiClient client(f.broker.keys);
    auto health = client.health(f.nodes.at("PL").registry.api, f.key("PL"), 2s);
    REQUIRE(health);
    return health->last_seq_written;
  };
  auto cosigned_up_to = [&](uint64_t head) {
    return eventually(
        [&] {
          auto now = witnessed();
          return now.witnessed >= head && now.witnesses == 1;
        },
        30s);
  };
  auto audit_healthy = [&] {
    ApiClient client(f.watcher.keys);
    auto health = client.health(f.nodes.at("PL").audit.api, f.key("PL"), 2s);
    return health && health->healthy;
  };
  uint64_t first = registry_head();
  REQUIRE(cosigned_up_to(first));
  CHECK(eventually(audit_healthy, 20s));

  auto data = f.nodes.at("PL").dir / "data" / "audit";
  auto backup = f.dir.path() / "pl-audit-backup";
  f.audits.at("PL")->kill_hard();
  std::filesystem::copy(data, backup, std::filesystem::copy_options::recursive);
  f.start_audit("PL", {}, witnessing);
  register_orgs(f, 4);
  uint64_t later = registry_head();
  REQUIRE(cosigned_up_to(later));

  // The restore: the older copy back, with the registry away.
  f.audits.at("PL")->kill_hard();
  f.processes.at("PL")->kill_hard();
  std::filesystem::remove_all(data);
  std::filesystem::copy(backup, data, std::filesystem::copy_options::recursive);
  f.start_audit("PL", {}, witnessing);
  auto log_file = f.dir.path() / "PL-audit.log";
  auto log_says = [&](const std::string& words) {
    std::ifstream in(log_file);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    return text.find(words) != std::string::npos;
  };
  CHECK(eventually([&] { return log_says("was rolled back"); }, 10s));
  // And says so to operators: a trouble in its health (which is unhealthy then,
  // gosmartctl status: degraded; here its registry is away too).
  auto troubles = [&] {
    ApiClient client(f.watcher.keys);
    auto health = client.health(f.nodes.at("PL").audit.api, f.key("PL"), 2s);
    return health ? health->metric("audit.witness_troubles") : -1.0;
  };
  CHECK(troubles() == 1);
  CHECK_FALSE(audit_healthy());
  auto restored = witnessed();
  CHECK(restored.size < later);
  CHECK(restored.witnessed <= restored.size);  // nothing cosigned of a tree it does not have

  // Its stream back: read again, the same tree grows past what FI holds, cosigned.
  f.start("PL");
  f.await("PL");
  register_orgs(f, 1);
  uint64_t last = registry_head();
  CHECK(cosigned_up_to(last));
  CHECK(eventually(audit_healthy, 30s));
  CHECK(troubles() == 0);
  CHECK_FALSE(log_says("refused to cosign"));  // FI never saw another history
}
