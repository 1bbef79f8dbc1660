#include "common/config/section.hpp"

#include "common/config/toml_table.hpp"

namespace gosmart::config {

Section::Section(std::shared_ptr<const Table> table, std::string path)
    : table_(std::move(table)), path_(std::move(path)) {}

bool Section::empty() const {
  return !table_ || table_->toml.empty();
}

std::string Section::key_path(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

namespace {

const toml::node* find(const std::shared_ptr<const Section::Table>& table, const std::string& key) {
  return table ? table->toml.get(key) : nullptr;
}

[[noreturn]] void bad(const std::string& path, const std::string& why) {
  throw ConfigError("config: " + path + ": " + why);
}

}  // namespace

std::optional<bool> Section::boolean(const std::string& key) {
  asked_.insert(key);
  const toml::node* node = find(table_, key);
  if (!node) return std::nullopt;
  if (!node->is_boolean()) bad(key_path(key), "must be true or false");
  return *node->value<bool>();
}

std::optional<int64_t> Section::integer(const std::string& key, int64_t min, int64_t max) {
  asked_.insert(key);
  const toml::node* node = find(table_, key);
  if (!node) return std::nullopt;
  if (!node->is_integer()) bad(key_path(key), "must be an integer");
  int64_t value = *node->value<int64_t>();
  if (value < min || value > max) {
    bad(key_path(key), "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                           ", got " + std::to_string(value));
  }
  return value;
}

std::optional<std::vector<int64_t>> Section::integers(const std::string& key, int64_t min,
                                                      int64_t max, std::size_t max_count) {
  asked_.insert(key);
  const toml::node* node = find(table_, key);
  if (!node) return std::nullopt;
  const auto* array = node->as_array();
  std::string wanted = "must be an array of at most " + std::to_string(max_count) +
                       " integers between " + std::to_string(min) + " and " + std::to_string(max);
  if (!array || array->size() > max_count) bad(key_path(key), wanted);
  std::vector<int64_t> values;
  for (const auto& element : *array) {
    auto value = element.value<int64_t>();
    if (!element.is_integer() || !value || *value < min || *value > max) bad(key_path(key), wanted);
    values.push_back(*value);
  }
  return values;
}

std::optional<std::vector<std::string>> Section::strings(const std::string& key,
                                                         std::size_t max_count) {
  asked_.insert(key);
  const toml::node* node = find(table_, key);
  if (!node) return std::nullopt;
  const auto* array = node->as_array();
  std::string wanted = "must be an array of at most " + std::to_string(max_count) + " strings";
  if (!array || array->size() > max_count) bad(key_path(key), wanted);
  std::vector<std::string> values;
  for (const auto& element : *array) {
    auto value = element.value<std::string>();
    if (!element.is_string() || !value) bad(key_path(key), wanted);
    values.push_back(*value);
  }
  return values;
}

std::optional<double> Section::fraction(const std::string& key) {
  asked_.insert(key);
  const toml::node* node = find(table_, key);
  if (!node) return std::nullopt;
  std::optional<double> value;
  if (node->is_floating_point()) value = *node->value<double>();
  if (node->is_integer()) value = static_cast<double>(*node->value<int64_t>());
  if (!value || *value < 0.0 || *value > 1.0) bad(key_path(key), "must be a number from 0 to 1");
  return value;
}

std::optional<std::string> Section::string(const std::string& key) {
  asked_.insert(key);
  const toml::node* node = find(table_, key);
  if (!node) return std::nullopt;
  if (!node->is_string()) bad(key_path(key), "must be a string");
  return node->value<std::string>();
}

Section Section::table(const std::string& key) {
  asked_.insert(key);
  const toml::node* node = find(table_, key);
  if (!node) return Section({}, key_path(key));
  if (!node->is_table()) bad(key_path(key), "must be a table");
  return Section(std::make_shared<const Table>(Table{*node->as_table()}), key_path(key));
}

void Section::finish() const {
  if (!table_) return;
  for (const auto& [key, value] : table_->toml) {
    (void)value;
    std::string name(key.str());
    if (!asked_.count(name)) bad(key_path(name), "unknown key");
  }
}

}  // namespace gosmart::config
