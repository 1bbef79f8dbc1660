#include "services/notifier/link_endpoint.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "common/reference/text.hpp"
#include "schemas/registry.capnp.h"
#include "services/notifier/domain/link_pages.hpp"
#include "services/notifier/domain/preferences.hpp"
#include "services/notifier/domain/renewal.hpp"
#include "services/notifier/domain/templates.hpp"
#include "services/notifier/recipients.hpp"

namespace gosmart::notifier {

using reference::text_of;

namespace {

// A date from the registry, as the page shows it (it is one already; nothing else
// may reach the HTML).
std::string only_date_characters(const std::string& text) {
  std::string out;
  for (char c : text) {
    if ((c >= '0' && c <= '9') || c == '-') out += c;
  }
  return out;
}

std::string page(const std::string& language, const std::string& title, const std::string& body) {
  return "<!doctype html><html lang=\"" + language + "\"><head><meta charset=\"utf-8\"><title>" +
         title + "</title></head><body><h1>" + title + "</h1>" + body + "</body></html>\n";
}

// The page's language: the reader's browser's choice among the network's languages.
std::string language_of(const httplib::Request& request) {
  return page_language(request.get_header_value("Accept-Language"));
}

std::string para(PageText text, const std::string& language, std::string_view fill = {}) {
  return "<p>" + page_text(text, language, fill) + "</p>";
}

std::string form(PageText button, const std::string& language) {
  return "<form method=\"post\"><button type=\"submit\">" + page_text(button, language) +
         "</button></form>";
}

// The claim of the request's token for `action`; without one, the response says the
// link is not valid (400).
std::optional<LinkClaim> claim_for(const std::string& action, const LinkTokens& tokens,
                                   const httplib::Request& request, httplib::Response& response) {
  auto claim = tokens.verify(request.matches[1].str(), now_us());
  if (claim && claim->action == action) return claim;
  response.status = 400;
  auto language = language_of(request);
  response.set_content(page(language, page_text(PageText::invalid_title, language),
                            para(PageText::invalid_body, language)),
                       "text/html; charset=utf-8");
  return std::nullopt;
}

// Reads and drops a POST's body: the token in the path is all a click needs. Taking
// the body here, not before the handler, lets a bare POST without Content-Length
// be a click too (outside findings: it was answered 400 with an empty page).
void drop_body(const httplib::Request& request, const httplib::ContentReader& read) {
  if (request.has_header("Content-Length") || request.has_header("Transfer-Encoding")) {
    read([](const char*, size_t) { return true; });
  }
}

std::string nothing_to_stop_page(const std::string& language) {
  return page(language, page_text(PageText::nothing_title, language),
              para(PageText::nothing_body, language));
}

std::string unsubscribed_already_page(const std::string& language) {
  return page(language, page_text(PageText::already_title, language),
              para(PageText::already_body, language));
}

std::string try_later_page(const std::string& language) {
  return page(language, page_text(PageText::later_title, language), "");
}

}  // namespace

LinkEndpoint::Contact LinkEndpoint::contact_of(const std::string& org_id,
                                               const std::string& recipient_tag) {
  Contact contact;
  if (std::chrono::steady_clock::now() < registry_away_until_) return contact;
  auto org = registry_->organisation(org_id);
  if (!org) {
    registry_away_until_ = std::chrono::steady_clock::now() + kRegistryAwayFor;
    return contact;
  }
  contact.state = Contact::State::gone;
  if (org->header().type == "error") return contact;
  for (auto known : org->payload<wire::OrgReply>().getOrganisation().getContacts()) {
    if (notifier::recipient_tag(text_of(known.getEmail())) != recipient_tag) continue;
    contact.email = text_of(known.getEmail());
    std::vector<ConsentRecord> consents;
    for (auto consent : known.getConsents()) {
      consents.push_back({text_of(consent.getPurpose()), text_of(consent.getChannel()),
                          consent.getGrantedAtUs(), consent.getWithdrawnAtUs()});
    }
    contact.state = alerts_allowed(consents, Channel::email) ? Contact::State::consenting
                                                             : Contact::State::unsubscribed;
  }
  return contact;
}

LinkEndpoint::LinkEndpoint(const std::string& address, uint16_t port, const LinkTokens& tokens,
                           std::unique_ptr<ApiRegistryReader> registry, Keep keep,
                           int renew_for_days)
    : tokens_(tokens),
      registry_(std::move(registry)),
      keep_(std::move(keep)),
      renew_for_days_(renew_for_days),
      server_(std::make_unique<httplib::Server>()) {
  // A page that acts on a POST is not to be framed by another site (clickjacking),
  // nor cached, nor to leak its token through a Referer (outside findings).
  // Slow or idle clients must not hold the few workers: requests are small (a
  // token in the path, an empty form), so reading one takes a moment or never ends.
  server_->new_task_queue = [] { return new httplib::ThreadPool(kLinkWorkers); };
  server_->set_read_timeout(std::chrono::seconds(2));
  server_->set_write_timeout(std::chrono::seconds(2));
  server_->set_keep_alive_timeout(2);
  server_->set_keep_alive_max_count(10);
  server_->set_payload_max_length(4096);
  server_->set_default_headers(
      {{"X-Frame-Options", "DENY"},
       {"Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"},
       {"Referrer-Policy", "no-referrer"},
       {"Cache-Control", "no-store"},
       {"X-Content-Type-Options", "nosniff"}});
  server_->Get(R"(/u/([A-Za-z0-9_.\-]{1,2048}))", [this](const httplib::Request& request,
                                                         httplib::Response& response) {
    auto claim = claim_for("unsubscribe", tokens_, request, response);
    if (!claim) return;
    auto language = language_of(request);
    // The page says what a click would do now (outside findings: it offered to stop
    // alerts that were stopped already). Only reads; a registry away shows the form,
    // unless this contact's click is kept for it.
    {
      std::lock_guard lock(registry_mutex_);
      auto contact = contact_of(claim->org_id, claim->subject);
      bool kept = keep_.holds && keep_.holds(claim->org_id, claim->subject);
      if (kept && contact.state != Contact::State::gone) {
        response.set_content(unsubscribed_already_page(language), "text/html; charset=utf-8");
        return;
      }
      if (contact.state == Contact::State::gone) {
        response.set_content(nothing_to_stop_page(language), "text/html; charset=utf-8");
        return;
      }
      if (contact.state == Contact::State::unsubscribed) {
        response.set_content(unsubscribed_already_page(language), "text/html; charset=utf-8");
        return;
      }
    }
    response.set_content(
        page(language, page_text(PageText::stop_title, language),
             para(PageText::stop_body, language) + form(PageText::stop_button, language)),
        "text/html; charset=utf-8");
  });
  server_->Post(R"(/u/([A-Za-z0-9_.\-]{1,2048}))", [this](const httplib::Request& request,
                                                          httplib::Response& response,
                                                          const httplib::ContentReader& read) {
    drop_body(request, read);
    auto claim = claim_for("unsubscribe", tokens_, request, response);
    if (!claim) return;
    auto language = language_of(request);
    std::lock_guard lock(registry_mutex_);
    auto done = [&] {
      ++unsubscribed_;
      response.set_content(page(language, page_text(PageText::stopped_title, language),
                                para(PageText::stopped_body, language)),
                           "text/html; charset=utf-8");
    };
    // The registry is away: kept here, passed on when it answers; alerts stop now.
    auto keep_for_later = [&] {
      auto kept = keep_.store ? keep_.store(claim->org_id, claim->subject)
                              : Result<bool>(fail(ErrorCode::UNAVAILABLE, "nowhere to keep it"));
      if (kept && !kept.value()) {
        // A repeat of a click kept already (outside findings: each was counted).
        response.set_content(unsubscribed_already_page(language), "text/html; charset=utf-8");
        return;
      }
      if (kept) {
        spdlog::warn("notifier: the registry did not answer; an unsubscribe for {} is kept",
                     claim->org_id);
        done();
        return;
      }
      spdlog::error("notifier: an unsubscribe for {} was neither recorded nor kept: {}",
                    claim->org_id, describe(kept.error()));
      response.status = 503;
      response.set_content(try_later_page(language), "text/html; charset=utf-8");
    };
    // While the registry is known to be away, each click is kept at once: asking it
    // again would hold every click for the reader's timeout, one after another.
    auto contact = contact_of(claim->org_id, claim->subject);
    if (contact.state == Contact::State::away) return keep_for_later();
    // Nothing to stop: erased, no longer a contact, or unsubscribed already (a second
    // click, a mail scanner's repeat). Said so, and not counted again (outside
    // findings: each repeat counted and logged a new unsubscribe).
    if (contact.state == Contact::State::gone) {
      response.set_content(nothing_to_stop_page(language), "text/html; charset=utf-8");
      return;
    }
    if (contact.state == Contact::State::unsubscribed) {
      response.set_content(unsubscribed_already_page(language), "text/html; charset=utf-8");
      return;
    }
    const std::string& email = contact.email;
    auto changed = registry_->withdraw_consent(claim->org_id, email, "notifications");
    if (!changed) {
      registry_away_until_ = std::chrono::steady_clock::now() + kRegistryAwayFor;
      return keep_for_later();
    }
    if (changed->header().type == "error") {
      spdlog::error("notifier: an unsubscribe for {} was not recorded by the registry",
                    claim->org_id);
      response.status = 503;
      response.set_content(try_later_page(language), "text/html; charset=utf-8");
      return;
    }
    spdlog::info("notifier: a contact of {} unsubscribed from alerts", claim->org_id);
    done();
  });
  server_->Get(R"(/r/([A-Za-z0-9_.\-]{1,2048}))", [this](const httplib::Request& request,
                                                         httplib::Response& response) {
    if (!claim_for("renew", tokens_, request, response)) return;
    auto language = language_of(request);
    response.set_content(
        page(language, page_text(PageText::keep_title, language),
             para(PageText::keep_body, language, days_text(renew_for_days_, language)) +
                 form(PageText::keep_button, language)),
        "text/html; charset=utf-8");
  });
  server_->Post(R"(/r/([A-Za-z0-9_.\-]{1,2048}))", [this](const httplib::Request& request,
                                                          httplib::Response& response,
                                                          const httplib::ContentReader& read) {
    drop_body(request, read);
    auto claim = claim_for("renew", tokens_, request, response);
    if (!claim) return;
    auto language = language_of(request);
    namespace chrono = std::chrono;
    chrono::year_month_day until{chrono::floor<chrono::days>(chrono::system_clock::now()) +
                                 chrono::days{renew_for_days_}};
    char day[16];
    std::snprintf(day, sizeof day, "%04d-%02u-%02u", static_cast<int>(until.year()),
                  static_cast<unsigned>(until.month()), static_cast<unsigned>(until.day()));
    auto link = parse_renewal_subject(claim->subject);
    std::lock_guard lock(registry_mutex_);
    auto unavailable = [&] {
      response.status = 503;
      response.set_content(try_later_page(language), "text/html; charset=utf-8");
    };
    auto refused = [&] {
      // Withdrawn, or in review: a broker's matter now, not a click's.
      spdlog::warn("notifier: a renewal of {} was refused by the registry", link.profile_id);
      response.status = 409;
      response.set_content(page(language, page_text(PageText::cannot_title, language),
                                para(PageText::cannot_body, language)),
                           "text/html; charset=utf-8");
    };
    // While the registry is known to be away a click is answered at once, not after
    // the reader's timeout behind every click before it (outside finding M8).
    if (std::chrono::steady_clock::now() < registry_away_until_) return unavailable();
    auto current = registry_->profile(link.profile_id);
    if (!current) {
      registry_away_until_ = std::chrono::steady_clock::now() + kRegistryAwayFor;
      return unavailable();
    }
    if (current->header().type != wire_type(wire::REGISTRY_PROFILE_REPLY)) return refused();
    auto profile = current->payload<wire::ProfileReply>().getProfile();
    auto decision = decide_renewal(link, profile.getExpiresOn().cStr(), day);
    if (decision.kind != RenewalDecision::Kind::renew) {
      // A second click, or a date a broker set since the message: nothing changes.
      response.set_content(page(language,
                                page_text(decision.kind == RenewalDecision::Kind::already
                                              ? PageText::renewed_already_title
                                              : PageText::out_of_date_title,
                                          language),
                                para(PageText::shown_until_unchanged, language,
                                     only_date_characters(decision.until))),
                           "text/html; charset=utf-8");
      return;
    }
    // Renewed only if it still ends on the day just read: a broker's renewal landing
    // between the read and this write is a conflict, not overwritten (outside finding
    // M1: 3 of 28 racing clicks shortened a broker's date).
    std::string read_expiry = profile.getExpiresOn().cStr();
    auto renewed = registry_->renew(link.profile_id, day, read_expiry);
    if (!renewed) {
      registry_away_until_ = std::chrono::steady_clock::now() + kRegistryAwayFor;
      return unavailable();
    }
    if (renewed->header().type == "error") {
      if (renewed->payload<wire::Error>().getCode() == wire::ErrorCode::CONFLICT) {
        response.set_content(page(language, page_text(PageText::renewed_already_title, language),
                                  para(PageText::broker_changed, language)),
                             "text/html; charset=utf-8");
        return;
      }
      return refused();
    }
    ++renewed_;
    spdlog::info("notifier: {} renewed until {} from a reminder", link.profile_id, day);
    response.set_content(page(language, page_text(PageText::renewed_title, language),
                              para(PageText::renewed_body, language, day)),
                         "text/html; charset=utf-8");
  });
  if (port == 0) {
    int bound = server_->bind_to_any_port(address);
    if (bound <= 0) throw std::runtime_error("notifier: cannot listen on " + address);
    port_ = static_cast<uint16_t>(bound);
  } else {
    if (!server_->bind_to_port(address, port)) {
      throw std::runtime_error("notifier: cannot listen on " + address + ":" +
                               std::to_string(port));
    }
    port_ = port;
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

LinkEndpoint::~LinkEndpoint() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace gosmart::notifier
