# The replication probe's event (tools/replication-probe): no domain meaning.
@0xd9de71e7c2f4e1f2;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("gosmart::wire");

struct ProbeEvent {
  index @0 :UInt64;
  body @1 :Data;
}
