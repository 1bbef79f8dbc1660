# The registry's records and requests: organisations, contacts, cooperation
# profiles, expressions of interest. Evolution rules: schemas/README.md.
@0xdc62a0f5fff7fa6c;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("gosmart::wire");

enum OrgType {
  unknown @0;
  sme @1;
  largeEnterprise @2;
  researchInstitute @3;
  university @4;
  businessSupport @5;
  cluster @6;
  publicAdministration @7;
  ngo @8;
}

enum Helix {
  unknown @0;
  business @1;
  research @2;
  government @3;
  civilSociety @4;
}

# EU SME definition, Commission Recommendation 2003/361/EC.
enum SizeClass {
  unknown @0;
  micro @1;
  small @2;
  medium @3;
  large @4;
}

struct Consent {
  purpose @0 :Text;          # e.g. "notifications"
  textVersion @1 :Text;      # the version of the consent text agreed to
  channel @2 :Text;          # "email", "webhook"
  grantedAtUs @3 :Int64;
  withdrawnAtUs @4 :Int64;   # 0: still in force
}

# Personal data: never leaves the home node.
struct Contact {
  name @0 :Text;
  role @1 :Text;
  email @2 :Text;
  phone @3 :Text;
  preferredLanguage @4 :Text;  # ISO 639-1
  consents @5 :List(Consent);
  alertRhythm @6 :Text;        # "immediate" (default when empty), "daily", "weekly"
  alertChannel @7 :Text;       # "email" (default when empty), "none"
}

struct Organisation {
  id @0 :Text;                 # "PL-000123": country, then a sequence; stable, sortable
  legalName @1 :Text;
  registryId @2 :Text;         # national registry or VAT id
  country @3 :Text;            # ISO 3166-1 alpha-2
  region @4 :Text;             # NUTS 2 code, e.g. "PL91"
  city @5 :Text;
  website @6 :Text;
  type @7 :OrgType;
  helix @8 :Helix;             # derived by the registry from `type`, never taken from the caller
  yearEstablished @9 :UInt16;
  headcount @10 :UInt32;
  turnoverEur @11 :UInt64;
  balanceSheetEur @12 :UInt64;
  sizeClass @13 :SizeClass;    # derived by the registry, never taken from the caller
  naceCodes @14 :List(Text);   # NACE Rev.2, the first is the primary activity
  domains @15 :List(Text);     # smart-specialisation domains
  keywords @16 :List(Text);
  languages @17 :List(Text);   # ISO 639-1
  description @18 :Text;
  experienceAbroad @19 :Bool;
  contacts @20 :List(Contact);
  createdUs @21 :Int64;
  updatedUs @22 :Int64;
  erased @23 :Bool;            # tombstone after an erasure request
  managedBy @24 :Text;         # the integration (partner portal) that registered it; home only
}

enum ProfileKind {
  unknown @0;
  businessOffer @1;            # BO
  businessRequest @2;          # BR
  technologyOffer @3;          # TO
  technologyRequest @4;        # TR
  researchPartnerRequest @5;   # RDR
}

enum ProfileStatus {
  unknown @0;
  draft @1;
  submitted @2;
  revisionRequested @3;
  published @4;
  withdrawn @5;
  expired @6;
}

enum CooperationType {
  unknown @0;
  commercialAgreement @1;
  commercialWithTechnicalAssistance @2;
  licence @3;
  jointVenture @4;
  technicalCooperation @5;
  researchCooperation @6;
  manufacturing @7;
  services @8;
  subcontracting @9;
  distribution @10;
  financial @11;
  acquisition @12;
  jointFundingApplication @13;
}

# A preference a profile marks as a requirement: only a marked preference excludes a
# partner; an unmarked one ranks (services/matching/README.md).
enum Requirement {
  unknown @0;
  partnerTypes @1;
  partnerSizes @2;
  cooperationTypes @3;
}

enum ResearchRole {
  unknown @0;
  coordinator @1;
  partner @2;
}

struct ResearchCall {
  call @0 :Text;               # the funding programme and call identifier
  callDeadline @1 :Text;       # YYYY-MM-DD
  eoiDeadline @2 :Text;        # YYYY-MM-DD
  roleSought @3 :ResearchRole;
}

struct Profile {
  id @0 :Text;                 # the reference, e.g. "TOPL20261130001"
  ownerId @1 :Text;            # the owning organisation's id
  kind @2 :ProfileKind;
  status @3 :ProfileStatus;
  title @4 :Text;
  summary @5 :Text;
  description @6 :Text;
  advantages @7 :Text;
  trl @8 :UInt8;               # technology readiness level 1-9; 0: not given
  iprStatus @9 :Text;
  keywords @10 :List(Text);
  naceCodes @11 :List(Text);
  domains @12 :List(Text);
  cooperationTypes @13 :List(CooperationType);
  partnerTypes @14 :List(OrgType);
  partnerSizes @15 :List(SizeClass);
  targetCountries @16 :List(Text);   # empty: any member country
  expiresOn @17 :Text;         # YYYY-MM-DD
  named @18 :Bool;             # the owner chose to be named in replicas
  revisionComment @19 :Text;   # the broker's, when sent back for revision
  research @20 :ResearchCall;  # for research-partner requests
  createdUs @21 :Int64;
  updatedUs @22 :Int64;
  lastActor @23 :Text;         # User-Id of who made the last change
  requirements @24 :List(Requirement);  # preferences that exclude; the others only rank
  publishedOn @25 :Text;       # YYYY-MM-DD of the first publication (a migration keeps the original); empty: not yet
}

# What a replica of a foreign registry holds of an organisation: its public
# classification, and its name only when it chose to be named.
struct PublicOrganisation {
  id @0 :Text;
  country @1 :Text;
  region @2 :Text;
  type @3 :OrgType;
  sizeClass @4 :SizeClass;
  naceCodes @5 :List(Text);
  domains @6 :List(Text);
  languages @7 :List(Text);
  legalName @8 :Text;          # empty unless named
  erased @9 :Bool;
}

# ---- events on the registry's stream (public fields only, ever) ----

# "registry.org.public": an organisation's public classification changed (or is new).
struct OrgPublicEvent {
  organisation @0 :PublicOrganisation;
}

# "registry.profile.published": a published profile, new or updated. Its owner's
# public classification travels with it so a replica is complete.
struct ProfilePublishedEvent {
  profile @0 :Profile;         # revisionComment and lastActor are cleared
  owner @1 :PublicOrganisation;
}

# "registry.profile.status": a lifecycle step that is not a publication; only
# identifiers and the status travel.
struct ProfileStatusEvent {
  profileId @0 :Text;
  ownerId @1 :Text;
  status @2 :ProfileStatus;
}

# "registry.org.erased": an organisation and its profiles are gone; replicas
# tombstone them.
struct OrgErasedEvent {
  organisationId @0 :Text;
  profileIds @1 :List(Text);
}

# ---- requests (api ROUTER) and their replies ----

# "registry.org.register" (broker, integration) -> "registry.org.reply"
# "registry.org.update"   (broker, integration) -> "registry.org.reply"
struct OrgWrite {
  organisation @0 :Organisation;   # id empty on register; sizeClass is derived
  receiptOnly @1 :Bool;            # reply with id and derived fields only (bulk clients)
}

struct OrgReply {
  organisation @0 :Organisation;   # unset when the write asked for a receipt only
  receipt @1 :OrgReceipt;          # set instead, then
}

# What a bulk client needs back: the id and what the registry derived. A whole
# Organisation, even empty, is three times the bytes on the wire.
struct OrgReceipt {
  id @0 :Text;
  sizeClass @1 :SizeClass;
  helix @2 :Helix;
  createdUs @3 :Int64;
  updatedUs @4 :Int64;
}

# "registry.org.get" (any role but peer) -> "registry.org.reply"
struct OrgGet {
  id @0 :Text;
}

# "registry.org.list" -> "registry.org.page": filters are ANDed; empty means any.
struct OrgQuery {
  type @0 :OrgType;            # unknown: any
  nacePrefix @1 :Text;         # "C26" matches C26.11
  domain @2 :Text;
  keyword @3 :Text;
  country @4 :Text;            # own or a replicated peer's
  afterId @5 :Text;            # paging cursor
  limit @6 :UInt32;            # at most 500
}

struct OrgPage {
  organisations @0 :List(Organisation);     # own country, with contacts for brokers
  replicas @1 :List(PublicOrganisation);     # peers' public records
  nextAfterId @2 :Text;
}

# "registry.profile.submit" (broker, integration): create or revise a draft and
# submit it for validation -> "registry.profile.reply"
struct ProfileWrite {
  profile @0 :Profile;         # id empty for a new profile
  migration @1 :Bool;          # a new profile imported from an existing partnering database as it
                               # was: expiresOn may be past (it is kept expired, never published),
                               # publishedOn kept (services/registry/README.md, "Migration import")
}

# "registry.profile.transition" -> "registry.profile.reply":
# publish / requestRevision (broker), withdraw (broker, integration), renew (broker, integration)
struct ProfileTransition {
  profileId @0 :Text;
  action @1 :Action;
  comment @2 :Text;            # required with requestRevision
  newExpiry @3 :Text;          # with renew: YYYY-MM-DD
  ifExpiresOn @4 :Text;        # with renew: only if the profile still ends that day,
                               # else conflict (a reminder's one-click renewal racing
                               # a broker's, checked in the same step as the write)
  enum Action {
    unknown @0;
    publish @1;
    requestRevision @2;
    withdraw @3;
    renew @4;
  }
}

struct ProfileReply {
  profile @0 :Profile;
}

# "registry.profile.get" -> "registry.profile.reply" (own or replicated)
struct ProfileGet {
  id @0 :Text;
}

# "registry.profile.list" -> "registry.profile.page"
struct ProfileQuery {
  status @0 :ProfileStatus;    # unknown: any
  kind @1 :ProfileKind;        # unknown: any
  country @2 :Text;            # empty: own and replicated
  ownerId @3 :Text;
  afterId @4 :Text;
  limit @5 :UInt32;
}

struct ProfilePage {
  profiles @0 :List(Profile);
  # One per profile, in the same order: its owner's public classification, with the
  # legal name only for a named profile; an empty entry (no id) if the owner is not
  # known here. Own profiles' owners are given too, not only replicated ones'.
  owners @1 :List(PublicOrganisation);
  nextAfterId @2 :Text;
}

# "registry.org.erase" (broker only) -> "registry.org.erased.reply": a data-
# protection erasure. Personal data is deleted, open profiles are withdrawn, peers
# tombstone their replicas.
struct OrgErase {
  id @0 :Text;
  reason @1 :Text;             # kept in the broker action log, never replicated
}

struct OrgErasedReply {
  organisationId @0 :Text;
  profilesWithdrawn @1 :List(Text);
}

# "registry.state.digest" (any role but peer) -> "registry.state.digest.reply": a
# digest of the public state this registry holds — every country's organisations
# and published profiles, its own and its replicas — in a canonical form that is
# the same on every node once they have converged.
struct StateDigestRequest {}

struct StateDigest {
  digest @0 :Text;             # SHA-256, hex
  organisations @1 :UInt64;
  publishedProfiles @2 :UInt64;
}

# ---- expressions of interest ----

enum EoiStatus {
  unknown @0;
  submitted @1;        # stored at the sender's registry
  forwarded @2;        # stored at the owner's registry; the owner is told
  accepted @3;
  declined @4;
  withdrawn @5;
  contactStarted @6;
  negotiation @7;
  agreement @8;        # a partnership agreement: the network's headline outcome
  noAgreement @9;
  undeliverable @10;   # the owner's registry refused it for good (see statusReason)
}

# Released to the other side only when the owner accepts.
struct EoiContact {
  organisationName @0 :Text;
  contactName @1 :Text;
  email @2 :Text;
  phone @3 :Text;
}

struct ExpressionOfInterest {
  id @0 :Text;                 # "FI-EOI-000001": the sender's country and a sequence
  profileId @1 :Text;
  ownerCountry @2 :Text;
  senderOrgId @3 :Text;
  senderCountry @4 :Text;
  sender @5 :PublicOrganisation;   # the sender's classification, anonymous
  message @6 :Text;
  consentToShare @7 :Bool;
  status @8 :EoiStatus;
  senderContact @9 :EoiContact;
  ownerContact @10 :EoiContact;
  createdUs @11 :Int64;
  updatedUs @12 :Int64;
  statusReason @13 :Text;      # why it is undeliverable, in the owner's registry's words
  # Instead of a profile, an organisation of the owner's country that has none, found
  # able to do the research of the sender's research request (matching's
  # `organisations` list); profileId is then empty, and aboutProfileId names that
  # request (a published RDR of the sender's organisation).
  targetOrgId @14 :Text;
  aboutProfileId @15 :Text;
}

# "registry.eoi.send" (broker, integration) -> "registry.eoi.reply"
struct EoiSend {
  profileId @0 :Text;          # a published profile of another country
  senderOrgId @1 :Text;        # an organisation of this registry
  message @2 :Text;            # 1 to 2000 bytes
  consentToShare @3 :Bool;     # must be true: details go to the owner on acceptance
  # Or, instead of profileId: an organisation of another country with no profile that
  # matching found for the sender's research request `aboutProfileId`.
  targetOrgId @4 :Text;
  aboutProfileId @5 :Text;
}

# "registry.eoi.answer" (broker, integration; the owner's side) -> "registry.eoi.reply"
struct EoiAnswer {
  eoiId @0 :Text;
  accept @1 :Bool;
}

# "registry.eoi.advance" (broker, integration; either side) -> "registry.eoi.reply":
# withdrawn (sender, before an answer), then contactStarted, negotiation, agreement,
# noAgreement after acceptance.
struct EoiAdvance {
  eoiId @0 :Text;
  status @1 :EoiStatus;
}

# "registry.eoi.get" (any role but peer) -> "registry.eoi.reply"
struct EoiGet {
  id @0 :Text;
}

struct EoiReply {
  eoi @0 :ExpressionOfInterest;
}

# Between registries (role peer), store-and-forward until acknowledged:
# "registry.eoi.deliver" sender -> owner (a new EoI, without the sender's contact),
# "registry.eoi.update" either way (a status change, and on acceptance the contact
# of the side that sends it). Both are answered with "registry.eoi.ack".
struct EoiPeerMessage {
  eoi @0 :ExpressionOfInterest;
}

struct EoiAck {
  eoiId @0 :Text;
  status @1 :EoiStatus;
}

# "registry.contact.preferences" (notifier; broker; the integration managing the
# organisation) -> "registry.org.reply": one contact's alert preferences or consent.
# Never an event: contacts stay home, and the registry's stream reaches the peers.
struct ContactPreferences {
  organisationId @0 :Text;
  contactEmail @1 :Text;       # which contact, by address (case-insensitive)
  rhythm @2 :Text;             # "" unchanged, "immediate", "daily", "weekly"
  channel @3 :Text;            # "" unchanged, "email", "none"
  language @4 :Text;           # "" unchanged, else ISO 639-1
  withdrawConsent @5 :Text;    # "" none, else the purpose withdrawn ("notifications")
}

# "registry.eoi.received" / "registry.eoi.changed" on the stream: identifiers and
# status only, for the local notifier and audit.
struct EoiEvent {
  eoiId @0 :Text;
  profileId @1 :Text;
  status @2 :EoiStatus;
  localOrgId @3 :Text;         # the organisation of this registry it concerns
}

# ---- the broker action log (home registry only, never replicated) ----

# Who did what, written in the same batch as the change itself.
struct BrokerAction {
  seq @0 :UInt64;              # this registry's action number, from 1
  atUs @1 :Int64;
  actor @2 :Text;              # the caller's User-Id, e.g. "broker:alice"
  action @3 :Text;             # "org.register", "profile.publish", "org.erase", "eoi.answer", ...
  target @4 :Text;             # the organisation, profile or EoI id
  detail @5 :Text;             # a revision comment, an erasure reason, a new status
  targets @6 :List(Text);      # one caller's same change to many records in one commit
                               # (a bulk import): all of them, `target` being the first
}

# "registry.actions.list" (broker, monitor) -> "registry.actions.page", newest first.
struct ActionQuery {
  beforeSeq @0 :UInt64;        # paging: 0 starts from the newest
  limit @1 :UInt32;            # at most 500
  target @2 :Text;             # only actions on this id
  actor @3 :Text;              # only this User-Id
}

struct ActionPage {
  actions @0 :List(BrokerAction);
  nextBeforeSeq @1 :UInt64;    # 0: no older ones
}

# ---- wire type names ----

# The `type` of every envelope this file's payloads travel in, declared once so that
# producers and consumers share one spelling (C++: `wire::PLATFORM_HEARTBEAT` and the like,
# generated by capnp from the camelCase name).
const registryOrgRegister :Text = "registry.org.register";
const registryOrgUpdate :Text = "registry.org.update";
const registryOrgReply :Text = "registry.org.reply";
const registryOrgGet :Text = "registry.org.get";
const registryOrgList :Text = "registry.org.list";
const registryOrgPage :Text = "registry.org.page";
const registryOrgErase :Text = "registry.org.erase";
const registryOrgErasedReply :Text = "registry.org.erased.reply";
const registryOrgPublic :Text = "registry.org.public";
const registryOrgErased :Text = "registry.org.erased";
const registryProfileSubmit :Text = "registry.profile.submit";
const registryProfileTransition :Text = "registry.profile.transition";
const registryProfileReply :Text = "registry.profile.reply";
const registryProfileGet :Text = "registry.profile.get";
const registryProfileList :Text = "registry.profile.list";
const registryProfilePage :Text = "registry.profile.page";
const registryProfilePublished :Text = "registry.profile.published";
const registryProfileStatus :Text = "registry.profile.status";
const registryStateDigest :Text = "registry.state.digest";
const registryStateDigestReply :Text = "registry.state.digest.reply";
const registryEoiSend :Text = "registry.eoi.send";
const registryEoiAnswer :Text = "registry.eoi.answer";
const registryEoiAdvance :Text = "registry.eoi.advance";
const registryEoiGet :Text = "registry.eoi.get";
const registryEoiReply :Text = "registry.eoi.reply";
const registryEoiDeliver :Text = "registry.eoi.deliver";
const registryEoiUpdate :Text = "registry.eoi.update";
const registryEoiAck :Text = "registry.eoi.ack";
const registryEoiReceived :Text = "registry.eoi.received";
const registryEoiChanged :Text = "registry.eoi.changed";
const registryContactPreferences :Text = "registry.contact.preferences";
const registryActionsList :Text = "registry.actions.list";
const registryActionsPage :Text = "registry.actions.page";
