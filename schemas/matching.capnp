# The matching service: its index records, its matches with their explanations,
# its events and its api. Evolution rules: schemas/README.md.
@0xb1f0c9a7e3d25a41;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("gosmart::wire");

using Registry = import "registry.capnp";

# ---- storage ----

# One published profile as the index holds it (column family "profiles"): the
# replicated profile and its owner's public classification, with the analysed text
# so that a restart rebuilds the in-memory index without analysing text again.
struct IndexedProfile {
  profile @0 :Registry.Profile;
  owner @1 :Registry.PublicOrganisation;
  originCountry @2 :Text;
  terms @3 :List(TermCount);   # analysed title, summary, description, keywords
  analyser @4 :Text;           # the analyser that made `terms` (kept until re-published)
}

struct TermCount {
  term @0 :Text;
  count @1 :UInt16;
}

# ---- matches ----

enum MatchState {
  unknown @0;
  pendingApproval @1;          # waits in the broker queue (node setting)
  announced @2;                # "matching.match.found" emitted: SMEs may be told
  dismissed @3;                # a broker dismissed it
  retracted @4;                # a side was withdrawn, expired or erased
}

# What one component of the score contributed, in both directions.
struct ScoreComponent {
  name @0 :Text;               # "domains", "nace", "text", "cooperation", "languages"
  weight @1 :Float64;          # from the node's config
  forward @2 :Float64;         # 0..1: how well B fits what A seeks
  backward @3 :Float64;        # 0..1: how well A fits what B seeks
  contribution @4 :Float64;    # its part of the score shown: the parts add up to `score`
}

struct NaceLink {
  codeA @0 :Text;
  codeB @1 :Text;
  level @2 :Text;              # "class", "group", "division" or "section"
}

struct TermWeight {
  term @0 :Text;               # the analysed (normalised, stemmed) term
  weight @1 :Float64;          # its part of the score shown (of the text component's contribution)
  word @2 :Text;               # a word of either title that gives the term, as written
                               # (lower case), for readers: "fabrication", not "fabric";
                               # empty when no title word does (the term is from a summary)
}

struct Explanation {
  components @0 :List(ScoreComponent);
  sharedDomains @1 :List(Text);
  naceLinks @2 :List(NaceLink);
  sharedTerms @3 :List(TermWeight);  # the strongest first
  sharedCooperationTypes @4 :List(Registry.CooperationType);
  sharedLanguages @5 :List(Text);
  unmetPreferences @6 :List(Text);   # "A seeks university; B is sme": lowers the score, excludes only if required
}

# One side of a match, as the index knows it (public fields only).
struct MatchSide {
  profileId @0 :Text;
  ownerId @1 :Text;
  country @2 :Text;
  kind @3 :Registry.ProfileKind;
  title @4 :Text;
  ownerType @5 :Registry.OrgType;
  ownerSize @6 :Registry.SizeClass;
}

struct Match {
  id @0 :Text;                 # stable per pair: "M-" + hex of SHA-256(A|B)[0..12], A < B
  a @1 :MatchSide;             # the profile whose publication found the match
  b @2 :MatchSide;
  score @3 :Float64;           # harmonic mean of forward and backward, 0..1
  forward @4 :Float64;
  backward @5 :Float64;
  explanation @6 :Explanation;
  state @7 :MatchState;
  createdUs @8 :Int64;
  updatedUs @9 :Int64;
  decidedBy @10 :Text;         # the broker's User-Id, for approved or dismissed matches
  comment @11 :Text;           # the broker's, on a decision
  weaker @12 :Bool;            # in a reply asked with `all`: below the threshold or past top_k, never announced
}

# ---- events on the matching service's stream ----

# "matching.match.found": a pair crossed the threshold (new, or its score rose past
# it again). `match.id` is the idempotency key downstream.
struct MatchFoundEvent {
  match @0 :Match;
}

# "matching.match.retracted": an announced match no longer stands.
struct MatchRetractedEvent {
  matchId @0 :Text;
  profileIds @1 :List(Text);
  reason @2 :Text;             # "withdrawn", "expired", "erased", "dismissed"
}

# ---- api ----

# "matching.partners" (any role but peer) -> "matching.partners.reply"
struct PartnersRequest {
  profileId @0 :Text;
  limit @1 :UInt32;            # at most this many; 0: the node's top_k
  all @2 :Bool;                # false: only what would be announced; true: weaker ones too, marked
}

# "matching.search" (any role but peer) -> "matching.partners.reply": partners for a
# free query. At least one of text, keywords, naceCodes or domains.
struct SearchRequest {
  text @0 :Text;
  keywords @1 :List(Text);
  naceCodes @2 :List(Text);
  domains @3 :List(Text);
  countries @4 :List(Text);    # only owners in these countries; empty: any
  kinds @5 :List(Registry.ProfileKind);  # only these kinds; empty: any
  limit @6 :UInt32;
}

struct PartnersReply {
  matches @0 :List(Match);     # best first; for a search, `a` is empty
  threshold @1 :Float64;       # the node's: a pair at or above it is announced
  topK @2 :UInt32;             # the node's: at most this many announced per profile
  shows @3 :Text;              # what the list is: "what would be announced …" or "all candidates …"
  excluded @4 :List(RuleCount);  # for a profile's empty list: candidates each rule removed
  organisations @5 :List(OrganisationMatch);  # a research request's: able to do the research, no profile
}

# How many candidates of the kinds sought one rule removed.
struct RuleCount {
  rule @0 :Text;               # "same country", "expired", "outside target countries", ...
  count @1 :UInt32;
}

# An organisation without a profile that could do a research request's research.
struct OrganisationMatch {
  organisationId @0 :Text;
  country @1 :Text;
  type @2 :Registry.OrgType;
  sizeClass @3 :Registry.SizeClass;
  name @4 :Text;               # empty unless it chose to be named
  score @5 :Float64;
  explanation @6 :Explanation;
}

# "matching.queue" (broker, monitor) -> "matching.queue.reply"
struct QueueRequest {
  limit @0 :UInt32;            # 0: 100
}

struct QueueReply {
  matches @0 :List(Match);     # oldest first
}

# "matching.decide" (broker) -> "matching.match.reply"
struct MatchDecision {
  matchId @0 :Text;
  approve @1 :Bool;            # true: announce it; false: dismiss it
  comment @2 :Text;
}

# "matching.match.get" (any role but peer) -> "matching.match.reply"
struct MatchGet {
  matchId @0 :Text;
}

struct MatchReply {
  match @0 :Match;
}

# ---- wire type names ----

# The `type` of every envelope this file's payloads travel in, declared once so that
# producers and consumers share one spelling (C++: `wire::PLATFORM_HEARTBEAT` and the like,
# generated by capnp from the camelCase name).
const matchingMatchFound :Text = "matching.match.found";
const matchingMatchRetracted :Text = "matching.match.retracted";
const matchingPartners :Text = "matching.partners";
const matchingSearch :Text = "matching.search";
const matchingPartnersReply :Text = "matching.partners.reply";
const matchingQueue :Text = "matching.queue";
const matchingQueueReply :Text = "matching.queue.reply";
const matchingDecide :Text = "matching.decide";
const matchingMatchGet :Text = "matching.match.get";
const matchingMatchReply :Text = "matching.match.reply";
