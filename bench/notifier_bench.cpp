// The notifier's delivery rate and latency against a local SMTP sink (postfix's
// smtp-sink, fast enough not to be the limit), in one run:
//   notifier.smtp_per_s       5,000 messages due (one per publication): the delivery
//                             rate, from the first message sent until all are sent (the
//                             send gate, MIME, SMTP, marks, settling), as the baseline
//                             is timed from its first send
//   notifier.curl_per_s       bare libcurl sends of the same MIME message to the same
//                             sink, one handle per thread, as many threads as the
//                             notifier's send concurrency (the baseline): the mean of
//                             one run right before the notifier starts and one right
//                             after, since a single run wandered by 40% between runs
//   notifier.smtp_ratio       the first ÷ the second (target >= 0.7)
//   notifier.burst_per_s      the same 5,000 from the notifier's first answer: its
//                             catch-up of the streams, the registry's answers and the
//                             rendering too (notifier.burst_ratio: ÷ the baseline)
//   notifier.match_to_mail_p99_ms  from the publication of a PL request that matches a
//                             FI offer (the registry's reply) to the PL contact's
//                             match_found message accepted by the sink (smtp-sink -d:
//                             one file per message), through PL's matching and notifier,
//                             immediate rhythm
#include <curl/curl.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>
#include <thread>

#include "bench/baselines.hpp"
#include "common/service/api_client.hpp"
#include "schemas/platform.capnp.h"
#include "services/notifier/domain/mime.hpp"
#include "tests/support/registry_federation.hpp"

using namespace gosmart;
using namespace std::chrono_literals;

namespace {

constexpr const char* kSinkBinary = "/usr/sbin/smtp-sink";

class Sink {
 public:
  // smtp-sink on a free port; with `dump`, each message lands in its own file there.
  Sink(const std::filesystem::path& dir, bool dump) : port_(testing::free_port()) {
    std::vector<std::string> argv = {kSinkBinary, "-u", "nobody"};
    if (dump) {
      std::filesystem::create_directories(dir / "dump");
      std::filesystem::permissions(dir / "dump", std::filesystem::perms::all);
      argv.push_back("-d");
      argv.push_back((dir / "dump" / "m").string());
    }
    argv.push_back("127.0.0.1:" + std::to_string(port_));
    argv.push_back("256");
    process_ = std::make_unique<testing::Process>(argv, dir / "smtp-sink.log");
    std::this_thread::sleep_for(300ms);
  }
  int port() const { return port_; }

 private:
  int port_;
  std::unique_ptr<testing::Process> process_;
};

size_t read_upload(char* buffer, size_t size, size_t items, void* user) {
  auto* state = static_cast<std::pair<const std::string*, std::size_t>*>(user);
  std::size_t n = std::min(size * items, state->first->size() - state->second);
  std::memcpy(buffer, state->first->data() + state->second, n);
  state->second += n;
  return n;
}

// Bare libcurl: `count` sends of `mime`, split over `threads` handles.
double curl_per_s(int port, const std::string& mime, int count, int threads) {
  auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      CURL* curl = curl_easy_init();
      std::string url = "smtp://127.0.0.1:" + std::to_string(port);
      for (int i = t; i < count; i += threads) {
        curl_easy_reset(curl);
        std::pair<const std::string*, std::size_t> state{&mime, 0};
        curl_slist* rcpt = curl_slist_append(nullptr, "<anna@sme.example.pl>");
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl, CURLOPT_MAIL_FROM, "<gosmart@pl.example>");
        curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_upload);
        curl_easy_setopt(curl, CURLOPT_READDATA, &state);
        curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(curl, CURLOPT_USE_SSL, CURLUSESSL_TRY);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        if (curl_easy_perform(curl) != CURLE_OK) std::abort();
        curl_slist_free_all(rcpt);
      }
      curl_easy_cleanup(curl);
    });
  }
  for (auto& w : workers) w.join();
  return count / std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

std::string notifier_toml(int port, int concurrency) {
  return "[notifier]\nsmtp_url = \"smtp://127.0.0.1:" + std::to_string(port) +
         "\"\nfrom = \"gosmart@pl.example\"\nconcurrency = " + std::to_string(concurrency) +
         "\ntemplates = \"" + std::string(GOSMART_SOURCE_DIR) + "/services/notifier/templates\"\n";
}

std::vector<std::string> owners_of(testing::Federation& f, int count,
                                   const std::string& country = "PL") {
  std::vector<std::string> owners;
  for (int o = 0; o < count; ++o) {
    auto reply = f.call<wire::OrgWrite>(country, f.broker, "registry.org.register", [&](auto w) {
      auto org = w.initOrganisation();
      testing::fill_org(org);
      org.setCountry(country);
      org.setRegion(country == "PL" ? "PL63" : "FI1B");
      auto contact = org.getContacts()[0];
      contact.setEmail("contact" + std::to_string(o) + "@sme.example.pl");
      auto consent = contact.initConsents(1)[0];
      consent.setPurpose("notifications");
      consent.setTextVersion("2026-01");
      consent.setChannel("email");
      consent.setGrantedAtUs(now_us() - 1'000'000);
    });
    testing::ensure(reply.header().type == "registry.org.reply", "registration refused");
    owners.push_back(reply.payload<wire::OrgReply>().getOrganisation().getId());
  }
  return owners;
}

// Submits and publishes `count` profiles, spread over `owners`, in two pipelines.
void publish_many(testing::Federation& f, const std::vector<std::string>& owners, int count,
                  const std::string& country = "PL",
                  wire::ProfileKind kind = wire::ProfileKind::TECHNOLOGY_OFFER) {
  testing::ApiClient client(f.broker.keys);
  const auto& pl = f.nodes.at(country);
  std::vector<std::string> submits;
  for (int i = 0; i < count; ++i) {
    EnvelopeBuilder request(country, wire::Service::CTL, "registry.profile.submit");
    auto w = request.init_payload<wire::ProfileWrite>();
    auto p = w.initProfile();
    testing::fill_profile(p, owners[static_cast<std::size_t>(i) % owners.size()]);
    p.setKind(kind);
    auto targets = p.initTargetCountries(1);
    targets.set(0, country == "PL" ? "FI" : "PL");
    submits.push_back(request.encode());
  }
  auto submitted = client.pipeline(pl.registry.api, f.key(country), submits, 64, 120s);
  std::vector<std::string> publishes;
  for (const auto& bytes : submitted) {
    auto reply =
        decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, {});
    testing::ensure(reply.ok() && reply.value().header().type == "registry.profile.reply",
                    "submission refused");
    EnvelopeBuilder request(country, wire::Service::CTL, "registry.profile.transition");
    auto t = request.init_payload<wire::ProfileTransition>();
    t.setProfileId(reply.value().payload<wire::ProfileReply>().getProfile().getId());
    t.setAction(wire::ProfileTransition::Action::PUBLISH);
    publishes.push_back(request.encode());
  }
  auto published = client.pipeline(pl.registry.api, f.key(country), publishes, 64, 120s);
  testing::ensure(published.size() == publishes.size(), "publications unanswered");
}

struct Progress {
  double sent = -1;  // settled as sent
  double made = -1;  // sent or waiting in the outbox: the messages made so far
};

// One health question a poll, on one connection kept for the whole run (a fresh
// CURVE handshake a poll spaced the polls ~120 ms apart, and the end of a one-second
// burst was seen up to that late); each costs the notifier's loop a look at its
// outbox's counts (at most one count a second: NotifierCore::recent_counts).
class Poller {
 public:
  explicit Poller(testing::Federation& f)
      : transport_(f.watcher.keys, {}),
        client_(transport_, f.nodes.at("PL").notifier.api, f.notifier_key("PL")) {}
  Progress progress() {
    auto answer = client_.health("PL", wire::Service::CTL, 2s);
    if (!answer.reply) return {};
    double sent = -1, queued = 0;
    for (auto metric : answer.reply->payload<wire::HealthReply>().getMetrics()) {
      std::string_view name = metric.getName().cStr();
      if (name == "notifier.sent") sent = metric.getValue();
      if (name == "notifier.queue_length") queued = metric.getValue();
    }
    return {sent, sent + queued};
  }

 private:
  transport::Transport transport_;
  service::ApiClient client_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"notifier benchmark"};
  int messages = 5000;
  int samples = 50;
  int concurrency = 2;
  app.add_option("--messages", messages, "messages due at once for the rate");
  int recipients = 40;
  app.add_option("--recipients", recipients, "organisations (one contact each) the messages go to");
  app.add_option("--samples", samples, "publications timed one by one for the latency");
  app.add_option("--concurrency", concurrency, "the notifier's send concurrency");
  bool trace = false;
  app.add_flag("--trace", trace, "print each poll's sent and made counts (stderr)");
  CLI11_PARSE(app, argc, argv);
  // Without it the notifier would retry a relay that is not there, for ever.
  if (!std::filesystem::exists(kSinkBinary)) {
    std::cerr << kSinkBinary << " is missing: install postfix (tools/run-bench does)\n";
    return 1;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);

  double ours = 0, bare = 0, made_per_s = 0, burst = 0, bare_before = 0, bare_after = 0;
  {
    testing::Federation f({"PL"}, false, "", {}, true);
    Sink sink(f.dir.path(), false);
    publish_many(f, owners_of(f, recipients), messages);
    // The baseline: the same kind of message, built as the notifier builds it.
    notifier::MailMessage mail{"gosmart@pl.example",
                               "anna@sme.example.pl",
                               "broker@pl.example",
                               "„Anti-reflective coatings for thermal cameras” został opublikowany",
                               std::string(900, 'x'),
                               std::string(1400, 'y'),
                               notifier::message_id("bench", "pl.example"),
                               "",
                               "pl",
                               "profile_published",
                               now_us()};
    std::string mime = notifier::build_mime(mail);
    bare_before = curl_per_s(sink.port(), mime, messages, concurrency);
    // From the moment it answers (its start-up is not delivery) until all are sent.
    f.start_notifier("PL", notifier_toml(sink.port(), concurrency));
    auto started = std::chrono::steady_clock::now();
    auto seconds = [](auto from, auto until) {
      return std::chrono::duration<double>(until - from).count();
    };
    Poller poller(f);
    double before = poller.progress().sent;
    std::optional<std::chrono::steady_clock::time_point> all_made;
    // The first poll that sees sends: the delivery phase starts within a poll of it.
    std::optional<std::pair<std::chrono::steady_clock::time_point, double>> first_sent;
    testing::ensure(testing::eventually(
                        [&] {
                          auto now = poller.progress();
                          if (trace) {
                            std::cerr << "trace "
                                      << seconds(started, std::chrono::steady_clock::now())
                                      << " s: sent " << now.sent << ", made " << now.made << "\n";
                          }
                          if (!all_made && now.made >= messages) {
                            all_made = std::chrono::steady_clock::now();
                          }
                          double now_sent = now.sent;
                          if (!first_sent && now_sent > before) {
                            first_sent = {std::chrono::steady_clock::now(), now_sent};
                          }
                          return now_sent >= messages;
                        },
                        600s),
                    "the notifier did not send every message");
    auto finished = std::chrono::steady_clock::now();
    burst = (messages - before) / seconds(started, finished);
    if (first_sent && first_sent->first < finished) {
      ours = (messages - first_sent->second) / seconds(first_sent->first, finished);
    } else {
      ours = burst;  // all sent within one poll: no shorter window to time
    }
    made_per_s = messages / seconds(started, all_made.value_or(finished));

    bare_after = curl_per_s(sink.port(), mime, messages, concurrency);
    bare = (bare_before + bare_after) / 2;
  }
  bench::report("notifier.smtp_per_s", ours, "messages/s");
  bench::report("notifier.curl_per_s", bare, "messages/s");
  bench::report("notifier.curl_before_per_s", bare_before, "messages/s");
  bench::report("notifier.curl_after_per_s", bare_after, "messages/s");
  bench::report("notifier.smtp_ratio", ours / bare, "x");
  bench::report("notifier.burst_per_s", burst, "messages/s");
  bench::report("notifier.burst_ratio", burst / bare, "x");
  bench::report("notifier.made_per_s", made_per_s, "messages/s");

  {
    // Every sample's request matches the one FI offer: its top_k must hold them all.
    testing::Federation f({"PL", "FI"}, true, "[matching]\ntop_k = 100\n", {}, true);
    Sink sink(f.dir.path(), true);
    publish_many(f, owners_of(f, 1, "FI"), 1, "FI", wire::ProfileKind::TECHNOLOGY_OFFER);
    auto owners = owners_of(f, 1);
    f.start_notifier("PL", notifier_toml(sink.port(), concurrency));
    auto dump = f.dir.path() / "dump";
    std::set<std::filesystem::path> seen;
    // Whether a new file in the dump is a match_found message (the publication's own
    // profile_published message arrives too).
    auto new_match_mail = [&] {
      bool found = false;
      for (const auto& entry : std::filesystem::directory_iterator(dump)) {
        if (!seen.insert(entry.path()).second) continue;
        std::ifstream in(entry.path());
        std::string text((std::istreambuf_iterator<char>(in)), {});
        found |= text.find("X-GoSmart-Notification: match_found") != std::string::npos;
      }
      return found;
    };
    std::vector<double> latencies;
    for (int i = 0; i < samples; ++i) {
      auto started = std::chrono::steady_clock::now();
      publish_many(f, owners, 1, "PL", wire::ProfileKind::TECHNOLOGY_REQUEST);
      while (!new_match_mail()) {
        if (std::chrono::steady_clock::now() - started > 10s) {
          testing::ensure(false, "a match's message did not arrive within 10 s");
        }
        std::this_thread::sleep_for(200us);
      }
      latencies.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
              .count());
    }
    std::sort(latencies.begin(), latencies.end());
    bench::report("notifier.match_to_mail_p50_ms", latencies[latencies.size() / 2], "ms");
    bench::report("notifier.match_to_mail_p99_ms",
                  latencies[std::min(latencies.size() - 1, latencies.size() * 99 / 100)], "ms");
  }
  return 0;
}
