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

# A witness's record of a peer's log (column family "witnessed", key the log's
# origin): the log's verifier key, pinned when it first asked, and the largest tree
# of it cosigned. Stored (synced) before the cosignature is given.
struct AuditWitnessed {
  verifierKey @0 :Text;
  size @1 :UInt64;
  rootHash @2 :Data;
  atUs @3 :Int64;              # when it was cosigned
}

# A log's record of one witness (column family "cosigned", key the witness's
# country): the size it holds of this log and its cosignature of that checkpoint.
struct AuditCosigned {
  size @0 :UInt64;
  checkpointText @1 :Text;     # the checkpoint it cosigned
  cosignature @2 :Text;        # its signature line (with its '\n')
  witnessKey @3 :Text;         # its verifier key (cosignature/v1)
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
  witnessedNote @6 :Text;      # the latest checkpoint the peers' audits cosigned: its
                               # signed note with their tlog-cosignature lines (empty:
                               # none yet); its size may trail `size`
  witnessedSize @7 :UInt64;
  witnesses @8 :List(Text);    # the cosigners' verifier keys (cosignature/v1), as
                               # each said when it cosigned
  cosignerKey @9 :Text;        # this audit's own key as a witness of its peers' logs
                               # (cosignature/v1): what they check its cosignatures by
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

# "audit.witness.add" (peer only: a peer's audit, with its node's key) ->
# "audit.witness.reply": asks this audit to witness the caller's log, as C2SP
# tlog-witness's add-checkpoint does. The witness checks the note's signature by the
# key pinned for that log (first use pins it; the log's origin must be the caller's
# own, gosmart-audit/<caller's country>), that `oldSize` is the size it holds
# (else `conflict`, with that size), and that the proof shows the new tree extends
# the one it holds; it never cosigns a smaller tree, nor another root at a size it
# cosigned. Any of those failing is an error reply, logged as tampering.
struct AuditWitnessRequest {
  signedNote @0 :Text;         # the checkpoint, signed by the log's audit key
  verifierKey @1 :Text;        # that key (C2SP verifier key text)
  oldSize @2 :UInt64;          # the size the log believes the witness holds
  proof @3 :List(Data);        # RFC 6962 consistency proof from oldSize to the note's size
}

struct AuditWitnessReply {
  enum Outcome {
    cosigned @0;
    conflict @1;               # oldSize is not the size the witness holds
  }
  outcome @0 :Outcome;
  cosignature @1 :Text;        # cosigned: the witness's signature line, with its '\n'
  witnessSize @2 :UInt64;      # the size the witness now holds of the log
  witnessKey @3 :Text;         # the witness's verifier key (cosignature/v1)
}

const auditCheckpoint :Text = "audit.checkpoint";
const auditCheckpointReply :Text = "audit.checkpoint.reply";
const auditProofInclusion :Text = "audit.proof.inclusion";
const auditProofInclusionReply :Text = "audit.proof.inclusion.reply";
const auditProofConsistency :Text = "audit.proof.consistency";
const auditProofConsistencyReply :Text = "audit.proof.consistency.reply";
const auditWitnessAdd :Text = "audit.witness.add";
const auditWitnessReply :Text = "audit.witness.reply";
