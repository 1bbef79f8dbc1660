#include "services/notifier/domain/digest.hpp"

#include <algorithm>
#include <set>
#include <tuple>

namespace gosmart::notifier {

std::string digest_line(const nlohmann::json& model) {
  auto text = [](const nlohmann::json& part, const char* key) {
    auto it = part.find(key);
    return it != part.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (auto partner = model.find("partner"); partner != model.end() && partner->is_object()) {
    std::string line = text(*partner, "title");
    std::string id = text(*partner, "profileId");
    if (!line.empty() && !id.empty()) line += " (" + id + ")";
    if (!line.empty()) return line;
  }
  if (auto profile = model.find("profile"); profile != model.end() && profile->is_object()) {
    return text(*profile, "title");
  }
  return "";
}

nlohmann::json digest_model(std::vector<PendingAlert> alerts, std::size_t max_listed) {
  // Newest first; among equal times, the order they came in (stable).
  std::stable_sort(alerts.begin(), alerts.end(),
                   [](const PendingAlert& a, const PendingAlert& b) { return a.at_us > b.at_us; });
  std::set<std::tuple<std::string, std::string, std::string, std::string>> seen;
  nlohmann::json items = nlohmann::json::array();
  std::size_t count = 0;
  for (auto& alert : alerts) {
    bool fresh = alert.about.empty()
                     ? seen.emplace(alert.kind, "", alert.subject, alert.text).second
                     : seen.emplace(alert.kind, alert.about, "", "").second;
    if (!fresh) continue;
    ++count;
    if (items.size() < max_listed) {
      nlohmann::json item = {{"kind", std::move(alert.kind)},
                             {"subject", std::move(alert.subject)},
                             {"atUs", alert.at_us}};
      // No "text" key for an empty text: Mustache takes "" as true, so `{{#text}}`
      // would print an empty indented line.
      if (!alert.text.empty()) item["text"] = std::move(alert.text);
      items.push_back(std::move(item));
    }
  }
  nlohmann::json model = {{"count", count}, {"items", std::move(items)}};
  if (count > max_listed) model["more"] = count - max_listed;
  return model;
}

}  // namespace gosmart::notifier
