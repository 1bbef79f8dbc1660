#include "services/notifier/domain/preferences.hpp"

namespace gosmart::notifier {

std::optional<Rhythm> parse_rhythm(std::string_view text) {
  if (text == "immediate") return Rhythm::immediate;
  if (text == "daily") return Rhythm::daily;
  if (text == "weekly") return Rhythm::weekly;
  return std::nullopt;
}

std::optional<Channel> parse_channel(std::string_view text) {
  if (text == "email") return Channel::email;
  if (text == "none") return Channel::none;
  return std::nullopt;
}

const char* rhythm_name(Rhythm rhythm) {
  switch (rhythm) {
    case Rhythm::immediate:
      return "immediate";
    case Rhythm::daily:
      return "daily";
    case Rhythm::weekly:
      return "weekly";
  }
  return "immediate";
}

const char* channel_name(Channel channel) {
  return channel == Channel::email ? "email" : "none";
}

bool alerts_allowed(const std::vector<ConsentRecord>& consents, Channel channel) {
  if (channel == Channel::none) return false;
  for (const auto& consent : consents) {
    // A consent that names no channel was given for every channel.
    bool on_channel = consent.channel.empty() || consent.channel == channel_name(channel);
    if (consent.purpose == "notifications" && on_channel && consent.granted_us > 0 &&
        consent.withdrawn_us == 0) {
      return true;
    }
  }
  return false;
}

bool is_transactional(std::string_view kind) {
  return kind.rfind("eoi_", 0) == 0 || kind == "profile_published" || kind == "profile_returned";
}

}  // namespace gosmart::notifier
