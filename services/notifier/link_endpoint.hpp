#pragma once
// The notifier's small HTTP endpoint for the links in its messages (loopback by
// default; the institution's TLS proxy publishes it as [notifier] public_url).
// A GET only shows a page, since mail scanners follow links; a POST acts (RFC 8058
// one-click: the mail client POSTs "List-Unsubscribe=One-Click"). Acting is a
// consent withdrawal written to the registry, the contact's source of truth, before
// the reply: the next message resolved for that contact is not sent. If the
// registry does not answer, the unsubscribe is kept by the notifier (`keep`) and
// passed on later; it counts at once either way.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/transport/transport.hpp"
#include "services/notifier/domain/link_tokens.hpp"
#include "services/notifier/registry_reader.hpp"

namespace httplib {
class Server;
}

namespace gosmart::notifier {

class LinkEndpoint {
 public:
  // Listens on address:port (port 0: a free one, see port()). `registry` is used from
  // the endpoint's threads only, one request at a time.
  // Unsubscribes taken while the registry did not answer, by (org id, recipient tag).
  struct Keep {
    // Stores one durably for the registry: true if newly kept, false if it was kept
    // already (a repeated click while the registry is away: not counted again).
    std::function<Result<bool>(const std::string&, const std::string&)> store;
    // Whether one is kept, not yet passed on: its page says it is done (outside
    // findings: with the registry away the page offered the form again).
    std::function<bool(const std::string&, const std::string&)> holds;
  };
  LinkEndpoint(const std::string& address, uint16_t port, const LinkTokens& tokens,
               std::unique_ptr<ApiRegistryReader> registry, Keep keep, int renew_for_days = 365);
  ~LinkEndpoint();
  LinkEndpoint(const LinkEndpoint&) = delete;
  LinkEndpoint& operator=(const LinkEndpoint&) = delete;

  uint16_t port() const { return port_; }
  uint64_t unsubscribed() const { return unsubscribed_; }
  uint64_t renewed() const { return renewed_; }

 private:
  // What the registry says of an unsubscribe link's contact (registry_mutex_ held).
  struct Contact {
    enum class State { away, gone, consenting, unsubscribed } state = State::away;
    std::string email;  // as the registry spells it
  };
  Contact contact_of(const std::string& org_id, const std::string& recipient_tag);

  const LinkTokens& tokens_;
  std::unique_ptr<ApiRegistryReader> registry_;
  Keep keep_;
  int renew_for_days_;
  std::mutex registry_mutex_;
  // A registry that did not answer is not asked again for this long (registry_mutex_).
  static constexpr std::chrono::seconds kRegistryAwayFor{5};
  static constexpr std::size_t kLinkWorkers = 32;
  std::chrono::steady_clock::time_point registry_away_until_{};
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  uint16_t port_ = 0;
  std::atomic<uint64_t> unsubscribed_{0};
  std::atomic<uint64_t> renewed_{0};
};

}  // namespace gosmart::notifier
