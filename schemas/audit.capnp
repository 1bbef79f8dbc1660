# The audit service: its tree's state and its api (proofs and checkpoints).
# Evolution rules: schemas/README.md.
@0xa97c96afacf1bf81;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("gosmart::wire");

# ---- storage ----

# The tree's right edge and size, stored in the same batch as the leaves and the
# subscribers' cursors (column family "tree", key "frontier").
struct AuditFrontier {
  size @0 :UInt64;
  edge @1 :List(Data);         # the perfect subtrees' roots, largest first (32 bytes each)
  rewritten @2 :UInt64;        # events seen again at a number they already had, with
                               # other content (a writer rolled back and rewritten)
}

# ---- api ----

# "audit.checkpoint" (broker, monitor; an AuditCheckpointRequest) ->
# "audit.checkpoint.reply": the tree as it stands, its C2SP tlog-checkpoint text and
# that text signed.
struct AuditCheckpointRequest {
  unused @0 :Bool;             # no field yet: the tree as it stands now
}

struct AuditCheckpoint {
  origin @0 :Text;             # the log's name: "gosmart-audit/<country>"
  size @1 :UInt64;
  rootHash @2 :Data;           # 32 bytes, RFC 6962 MTH
  text @3 :Text;               # the tlog-checkpoint body
  signedNote @4 :Text;         # the body signed by the node's audit key (C2SP signed-note)
  verifierKey @5 :Text;        # that key's verifier key, as the audit says: check it
                               # against one known from elsewhere before trusting it
}

# "audit.proof.inclusion" (broker, monitor) -> "audit.proof.inclusion.reply": that
# one event of a local stream is leaf `index` of the tree of `treeSize` leaves.
# The event is named by its stream and place (service, origin, seq); `treeSize` 0
# asks for the tree as it stands.
struct AuditInclusionRequest {
  service @0 :Text;            # "registry", "matching", "notifier"
  origin @1 :Text;             # the event's origin country
  seq @2 :UInt64;
  treeSize @3 :UInt64;
}

struct AuditInclusionProof {
  index @0 :UInt64;
  treeSize @1 :UInt64;
  leaf @2 :Text;               # the leaf's entry: what the tree hashed (see the README)
  path @3 :List(Data);         # RFC 6962 PATH, nearest sibling first
  rootHash @4 :Data;           # the root of the tree of treeSize leaves
}

# "audit.proof.consistency" (broker, monitor) -> "audit.proof.consistency.reply":
# the tree of `newSize` leaves extends the one of `oldSize` by appending only.
struct AuditConsistencyRequest {
  oldSize @0 :UInt64;
  newSize @1 :UInt64;          # 0: the tree as it stands
}

struct AuditConsistencyProof {
  oldSize @0 :UInt64;
  newSize @1 :UInt64;
  path @2 :List(Data);         # RFC 6962 PROOF
  oldRootHash @3 :Data;
  newRootHash @4 :Data;
}

const auditCheckpoint :Text = "audit.checkpoint";
const auditCheckpointReply :Text = "audit.checkpoint.reply";
const auditProofInclusion :Text = "audit.proof.inclusion";
const auditProofInclusionReply :Text = "audit.proof.inclusion.reply";
const auditProofConsistency :Text = "audit.proof.consistency";
const auditProofConsistencyReply :Text = "audit.proof.consistency.reply";
