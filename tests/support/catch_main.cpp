#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <string_view>
#include <vector>

#include "tests/support/process.hpp"

namespace {

// Tells the test support whether the running test case has failed, so that its
// scratch directories (with the services' logs) are kept and shown.
struct FailureListener : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;
  void testCaseStarting(Catch::TestCaseInfo const& info) override {
    TestEventListenerBase::testCaseStarting(info);
    gosmart::testing::test_case_started();
  }
  bool assertionEnded(Catch::AssertionStats const& stats) override {
    if (!stats.assertionResult.isOk()) gosmart::testing::test_assertion_failed();
    return TestEventListenerBase::assertionEnded(stats);
  }
};

}  // namespace

CATCH_REGISTER_LISTENER(FailureListener)

// Catch2 2.13 takes one --warn (its option parser matches each option once), but
// the ctest entries pass two, NoTests and NoAssertions (tests/CMakeLists.txt): both
// are taken out here and or-ed into the configuration the command line gives.
int main(int argc, char* argv[]) {
  Catch::Session session;
  std::vector<char*> args;
  int warnings = Catch::WarnAbout::Nothing;
  for (int i = 0; i < argc; ++i) {
    std::string_view arg = argv[i];
    if ((arg == "--warn" || arg == "-w") && i + 1 < argc) {
      std::string_view warning = argv[i + 1];
      if (warning == "NoAssertions" || warning == "NoTests") {
        warnings |=
            warning == "NoTests" ? Catch::WarnAbout::NoTests : Catch::WarnAbout::NoAssertions;
        ++i;
        continue;
      }
    }
    args.push_back(argv[i]);
  }
  if (int status = session.applyCommandLine(static_cast<int>(args.size()), args.data())) {
    return status;
  }
  auto& config = session.configData();
  config.warnings = static_cast<Catch::WarnAbout::What>(config.warnings | warnings);
  return session.run();
}
