#pragma once
// The one writer of node.toml: the federation tool, the tests and the demo describe a
// node with this struct and get the file the parser (config.hpp) reads back.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/config/config.hpp"

namespace gosmart::config {

struct ServiceEntry {
  ServiceEntry(std::string service_name, Endpoints service_endpoints, uint16_t metrics = 0)
      : name(std::move(service_name)),
        endpoints(std::move(service_endpoints)),
        metrics_port(metrics) {}
  std::string name;
  Endpoints endpoints;
  uint16_t metrics_port = 0;  // 0: not written (the endpoint is off)
  // A key of the service's own (empty: it uses the node's) and the role the node's
  // other services admit it with.
  std::string public_key;
  std::string secret_file;
  std::optional<Role> role;
};

struct NodeFile {
  std::string comment;  // written as a `#` line at the top when set
  std::string country;
  std::string data_dir = "data";
  std::string log_level;             // empty: not written (the default)
  std::vector<std::string> members;  // empty: not written (the default federation)
  std::string public_key;
  std::string secret_file = "node.secret";
  Limits limits;  // only the values that differ from Limits{} are written
  std::vector<ServiceEntry> services;
  std::vector<Peer> peers;
  std::vector<Client> clients;
  // The services' own tables ([matching], [registry], ...) as TOML text, appended
  // as is: this writer knows nodes, not services.
  std::string service_settings;
};

std::string node_toml(const NodeFile& file);
void write_node_file(const std::filesystem::path& path, const NodeFile& file);

}  // namespace gosmart::config
