# Messages of the common platform: liveness, catch-up and health.
@0x886d1d28bebc30eb;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("gosmart::wire");

# type "platform.heartbeat", on PUB when idle: lets a subscriber notice that it
# missed events (lastSeq above its cursor) even when nothing new is published.
struct Heartbeat {
  intervalMs @0 :UInt32;       # how often the writer sends one
  heads @1 :List(OriginCursor);  # highest committed seq of every origin it publishes
}

# type "platform.catchup.request", DEALER -> writer's sync ROUTER.
struct CatchupRequest {
  origin @0 :Text;             # whose events (the writer may relay several origins)
  afterSeq @1 :UInt64;         # send events with seq > afterSeq
  maxEvents @2 :UInt32;        # page size asked for; the writer may send fewer
}

# type "platform.catchup.page", the reply.
struct CatchupPage {
  origin @0 :Text;
  afterSeq @1 :UInt64;         # echo of the request
  writerLastSeq @2 :UInt64;    # the writer's head when the page was cut
  events @3 :List(Data);       # encoded Envelopes, consecutive seqs from afterSeq+1
}

# type "platform.health.request" on any api socket; empty.
struct HealthRequest {}

struct Metric {
  name @0 :Text;               # e.g. "registry.organisations"
  value @1 :Float64;
}

struct OriginCursor {
  origin @0 :Text;
  lastSeq @1 :UInt64;
}

struct PeerStatus {
  name @0 :Text;               # a country code for peer nodes
  state @1 :State;
  lastSeenMsAgo @2 :UInt64;
  lagEvents @3 :UInt64;
  lagMs @4 :UInt64;            # how long announced events have waited to be applied; 0: caught up
  enum State { unknown @0; alive @1; evasive @2; expired @3; }
  regressed @5 :Bool;          # its head went below what was applied here (restored from a backup?)
  epochConflicts @6 :UInt64;   # its seqs held here under another epoch with other content (kept both)
}

# What a node that found its own log behind its peers' copies of it did about it
# (a restore from a backup): the events it fetched back, agreed by a majority of
# the peers that answered, and what of that range only it held and is lost.
struct RestoreStatus {
  state @0 :State;
  enum State { none @0; recovering @1; recovered @2; }
  headBefore @1 :UInt64;       # its own head when it learnt it regressed
  peersHead @2 :UInt64;        # the highest head of its origin a peer reported
  recoveredTo @3 :UInt64;      # its head after the events fetched back
  recoveredEvents @4 :UInt64;  # events fetched back (headBefore+1 .. recoveredTo)
  lostRecords @5 :UInt64;      # records of that range whose private part (contacts) is lost
}

# type "platform.health.reply".
struct HealthReply {
  service @0 :Text;
  version @1 :Text;
  country @2 :Text;
  uptimeS @3 :UInt64;
  healthy @4 :Bool;
  lastSeqWritten @5 :UInt64;
  applied @6 :List(OriginCursor);
  peers @7 :List(PeerStatus);
  metrics @8 :List(Metric);
  restore @9 :RestoreStatus;   # unset: never regressed
}

# type "platform.passed_over": stands in a relaying writer's merged stream for a
# peer event it refused, with the refused event's origin and sequence, so that its
# own readers see no hole in that origin's numbers (a hole would make them wait and
# ask for catch-up forever). Readers advance their cursor past it and apply nothing.
struct PassedOver {
  type @0 :Text;               # the refused event's type
  code @1 :Text;               # why, as an error code name ("not_authorised"); no payload text
}

# type "platform.redacted": what an event log holds in place of an event whose
# content an erasure removed (GDPR Art. 17), at home and in relayed copies on
# peers: same origin and sequence, so catch-up keeps its numbers, none of the
# content. Readers advance their cursor past it and apply nothing.
struct Redacted {
  type @0 :Text;               # the redacted event's type
}
