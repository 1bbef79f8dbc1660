// Link tokens (services/notifier/domain/link_tokens.hpp) and the consent rules
// (preferences.hpp): a link acts only as signed, and alerts go only where consent is.
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "services/notifier/domain/link_tokens.hpp"
#include "services/notifier/domain/preferences.hpp"
#include "services/notifier/domain/renewal.hpp"

using namespace gosmart::notifier;

namespace {

constexpr int64_t kNow = 1'800'000'000'000'000;
constexpr int64_t kDay = 86'400'000'000;

LinkClaim renewal() {
  return {"renew", "LT-000042", 4'294'967'295U, "LT-PRF-2027-0001 „Žalioji energija“", kNow + kDay};
}

}  // namespace

TEST_CASE("a link token carries its whole claim and only until it expires", "[notifier]") {
  LinkTokens tokens(LinkTokens::new_key());
  auto token = tokens.sign(renewal());
  auto back = tokens.verify(token, kNow);
  REQUIRE(back);
  CHECK(back->action == "renew");
  CHECK(back->org_id == "LT-000042");
  CHECK(back->contact == 4'294'967'295U);
  CHECK(back->subject == "LT-PRF-2027-0001 „Žalioji energija“");
  CHECK(back->expires_us == kNow + kDay);
  CHECK(tokens.verify(token, kNow + kDay - 1));
  CHECK_FALSE(tokens.verify(token, kNow + kDay));  // expiry is exclusive
  // URL-safe as it is: no character a URL or a mail client would rewrite.
  CHECK(token.find_first_not_of(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") ==
        std::string::npos);
  // The same claim signs the same way (a resend has the same link); another claim not.
  CHECK(tokens.sign(renewal()) == token);
  auto other = renewal();
  other.action = "unsubscribe";
  CHECK(tokens.sign(other) != token);
}

TEST_CASE("a link token refuses every changed byte another key and garbage", "[notifier]") {
  LinkTokens tokens(LinkTokens::new_key());
  auto token = tokens.sign(renewal());
  // Every byte to every other URL-safe character.
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
  for (std::size_t i = 0; i < token.size(); ++i) {
    for (char c : alphabet) {
      if (c == token[i]) continue;
      auto tampered = token;
      tampered[i] = c;
      if (tokens.verify(tampered, kNow)) FAIL("byte " << i << " as " << c << " verified");
    }
  }
  // Cut anywhere, or lengthened.
  for (std::size_t n = 0; n < token.size(); ++n)
    CHECK_FALSE(tokens.verify(token.substr(0, n), kNow));
  CHECK_FALSE(tokens.verify(token + "A", kNow));
  CHECK_FALSE(tokens.verify(token + ".", kNow));
  // Another key's token, and a claim moved under another token's MAC.
  LinkTokens other(LinkTokens::new_key());
  CHECK_FALSE(other.verify(token, kNow));
  auto foreign = other.sign(renewal());
  CHECK(foreign != token);
  auto unsubscribe = renewal();
  unsubscribe.action = "unsubscribe";
  auto second = tokens.sign(unsubscribe);
  CHECK_FALSE(
      tokens.verify(second.substr(0, second.find('.')) + token.substr(token.find('.')), kNow));
  // Random bytes of every length up to 3 kB never verify nor throw.
  std::mt19937_64 random(7);
  for (std::size_t length = 0; length < 3000; length += 7) {
    std::string garbage(length, '\0');
    for (auto& c : garbage) c = alphabet[random() % alphabet.size()];
    CHECK_FALSE(tokens.verify(garbage, kNow));
    for (auto& c : garbage) c = static_cast<char>(random());
    CHECK_FALSE(tokens.verify(garbage, kNow));
  }
  // A key must be 32 bytes.
  CHECK_THROWS_AS(LinkTokens(std::string(31, 'k')), std::invalid_argument);
  CHECK_THROWS_AS(LinkTokens(std::string(33, 'k')), std::invalid_argument);
  CHECK(LinkTokens::new_key().size() == 32);
  CHECK(LinkTokens::new_key() != LinkTokens::new_key());
}

TEST_CASE("alerts follow the consent records and kinds are told apart", "[notifier]") {
  using Records = std::vector<ConsentRecord>;
  CHECK(alerts_allowed(Records{{"notifications", "email", 5, 0}}, Channel::email));
  // Withdrawn, never granted, for another purpose or channel: no alerts.
  CHECK_FALSE(alerts_allowed(Records{{"notifications", "email", 5, 6}}, Channel::email));
  CHECK_FALSE(alerts_allowed(Records{{"notifications", "email", 0, 0}}, Channel::email));
  CHECK_FALSE(alerts_allowed(Records{{"marketing", "email", 5, 0}}, Channel::email));
  CHECK_FALSE(alerts_allowed(Records{{"notifications", "sms", 5, 0}}, Channel::email));
  // A withdrawn record and a later grant: the grant in force counts.
  CHECK(alerts_allowed(Records{{"notifications", "email", 5, 6}, {"notifications", "email", 7, 0}},
                       Channel::email));
  // The channel "none" never gets alerts, whatever the records.
  CHECK_FALSE(alerts_allowed(Records{{"notifications", "email", 5, 0}}, Channel::none));
  for (const char* kind : {"eoi_received", "eoi_answered", "eoi_advanced", "eoi_undeliverable",
                           "profile_published", "profile_returned"}) {
    CHECK(is_transactional(kind));
  }
  for (const char* kind :
       {"match_found", "match_retracted", "profile_expiring", "profile_expired", "digest", ""}) {
    CHECK_FALSE(is_transactional(kind));
  }
  for (auto rhythm : {Rhythm::immediate, Rhythm::daily, Rhythm::weekly}) {
    CHECK(parse_rhythm(rhythm_name(rhythm)) == rhythm);
  }
  for (auto channel : {Channel::email, Channel::none}) {
    CHECK(parse_channel(channel_name(channel)) == channel);
  }
  CHECK_FALSE(parse_rhythm("Daily"));
  CHECK_FALSE(parse_rhythm(""));
  CHECK_FALSE(parse_channel("e-mail"));
}

TEST_CASE("a renewal link renews once and never shortens a profile", "[notifier]") {
  using Kind = RenewalDecision::Kind;
  auto link = parse_renewal_subject(renewal_subject("PL-TO-000007", "2027-01-10"));
  CHECK(link.profile_id == "PL-TO-000007");
  CHECK(link.expires_on == "2027-01-10");
  // The profile still ends on the day the reminder was about: renewed.
  auto first = decide_renewal(link, "2027-01-10", "2027-12-20");
  CHECK(first.kind == Kind::renew);
  CHECK(first.until == "2027-12-20");
  // Clicked again (the profile now ends on the renewed day), or a day later: nothing.
  CHECK(decide_renewal(link, "2027-12-20", "2027-12-20").kind == Kind::already);
  CHECK(decide_renewal(link, "2027-12-20", "2027-12-21").kind == Kind::changed);
  // A broker extended it further: a click does not take days away.
  auto extended = decide_renewal(link, "2028-06-30", "2027-12-20");
  CHECK(extended.kind == Kind::already);
  CHECK(extended.until == "2028-06-30");
  // A broker changed the date to a nearer one since the message: not the link's to undo.
  CHECK(decide_renewal(link, "2027-02-01", "2027-12-20").kind == Kind::changed);
  // Links made before the date was signed: still never shorten.
  auto old = parse_renewal_subject("PL-TO-000007");
  CHECK(old.expires_on.empty());
  CHECK(decide_renewal(old, "2027-01-10", "2027-12-20").kind == Kind::renew);
  CHECK(decide_renewal(old, "2028-01-10", "2027-12-20").kind == Kind::already);
}
