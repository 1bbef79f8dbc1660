#pragma once
// Wire type names are declared once, as Cap'n Proto constants in schemas/
// (`const registryOrgGet :Text = "registry.org.get"` -> `wire::REGISTRY_ORG_GET`), so that
// a producer and its consumers cannot spell a type two ways. `wire_type` turns such a
// constant into the std::string_view the envelope and api code take.
#include <capnp/generated-header-support.h>

#include <cstddef>
#include <string_view>

namespace gosmart {

template <std::size_t N>
std::string_view wire_type(const capnp::_::ConstText<N>& name) {
  auto text = name.get();
  return {text.cStr(), text.size()};
}

}  // namespace gosmart
