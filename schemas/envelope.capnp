# The wire contract every GoSmart service and partner integration speaks.
# Evolution rules: schemas/README.md. Never renumber or reuse an ordinal.
@0xefb276bfe1ab5108;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("gosmart::wire");

enum Service {
  unknown @0;
  registry @1;
  matching @2;
  notifier @3;
  audit @4;
  ctl @5;
  tool @6;
}

# Every message on every socket is one Envelope. Routing and deduplication
# only ever look at the header; the payload is read by whoever handles `type`.
struct Envelope {
  messageId @0 :Data;          # 16 random bytes, unique per message
  originCountry @1 :Text;      # ISO 3166-1 alpha-2 of the node that wrote it
  originService @2 :Service;
  originSeq @3 :UInt64;        # per-origin log position; 0 for requests/replies
  type @4 :Text;               # dotted name, e.g. "registry.org.public"; PUB label "<origin>:<type>"
  timestampUs @5 :Int64;       # writer's wall clock, microseconds since the Unix epoch
  payload @6 :AnyPointer;      # the struct named by `type`
  correlationId @7 :Data;      # on replies: the messageId of the request answered
  writerEpoch @8 :UInt32;      # on events: the writer's epoch (one per start of its log) when
                               # it wrote originSeq; 0 from writers before epochs
}

enum ErrorCode {
  unknown @0;
  malformed @1;        # bytes that are not a valid Envelope / payload
  tooLarge @2;
  invalidField @3;     # a field failed validation; `field` names it
  unknownType @4;
  notAuthorised @5;    # the caller's key or role does not allow this
  notFound @6;
  conflict @7;         # state does not allow the change (e.g. lifecycle)
  unavailable @8;      # try again later
  internal @9;
  limitExceeded @10;
}

# The payload of a reply of type "error".
struct Error {
  code @0 :ErrorCode;
  message @1 :Text;
  field @2 :Text;      # the offending field's path, when there is one
}

# The type of a refusal, the reply any request may get (payload `Error`).
const errorReply :Text = "error";
