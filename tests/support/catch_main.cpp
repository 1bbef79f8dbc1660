#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

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
