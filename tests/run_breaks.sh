#!/usr/bin/env bash
# Shows that the tests can fail: runs, for each test-only break point compiled into a
# build configured with -DGOSMART_BREAKS=ON (common/core/break_point.hpp), the tests
# that must catch it, with GOSMART_BREAK naming the break. Fails if any of them passes
# with its break armed, or fails without it (then the test says nothing of the
# break). Builds nothing: tools/run-tests builds the breaks variant first.
#   tests/run_breaks.sh BUILD_DIR [BREAK...]   (no BREAK: every break below)
set -uo pipefail
build="${1:?usage: run_breaks.sh BUILD_DIR [BREAK...]}"
shift
only=("$@")
bin="$build/bin"
per_test_timeout="${GOSMART_BREAK_TIMEOUT:-300}"
# GOSMART_BREAK_CONTROLS=0 skips the runs without the break: tools/run-tests sets it
# when the same binaries have just passed every test, which those runs repeat.
controls="${GOSMART_BREAK_CONTROLS:-1}"

# break | binary | Catch2 test name (a test spec: commas need a backslash)
# Each line is one test that must fail with the break armed; a break has one or more.
table=(
  "notifier.ignore_consent|gosmart-system-tests|a PL-FI match mails each side's consenting contact in its language and one click stops the next"
  "notifier.skip_send_gate|gosmart-unit-tests|a message whose recipient withdrew consent after it was queued is settled unsent"
  "notifier.skip_send_gate|gosmart-system-tests|a relay that refuses and then is down leaves a dead letter an operator sends again"
  "outbox.skip_settle|gosmart-unit-tests|settling removes the entry in one batch with the owner's status change"
  "outbox.hold_lane|gosmart-unit-tests|one recipient's failure steps aside: the lane goes on and its later entries wait"
  "outbox.hold_lane|gosmart-system-tests|a mailbox that keeps failing holds back no other recipient's mail"
  "notifier.quit_after_failure|gosmart-system-tests|a mailbox that keeps failing holds back no other recipient's mail"
  "notifier.count_relay_failures|gosmart-system-tests|a relay that stalls before any recipient is named holds its lane"
  "audit.forget_frontier|gosmart-system-tests|the audit proves every event of its node's stream against its checkpoint"
  "replication.serve_no_catchup|gosmart-system-tests|a partition between two nodes: each goes on alone\, and both catch up once it heals"
  "notifier.claim_unwritten_mark|gosmart-system-tests|a notifier killed right after the relay took a message does not send it again"
  "notifier.count_relay_failures|gosmart-system-tests|a relay that refuses and then is down leaves a dead letter an operator sends again"
  "envelope.accept_trailing_bytes|gosmart-unit-tests|hostile frames are typed errors\, never crashes"
  "store.skip_scrub|gosmart-unit-tests|a scrub leaves no byte of deleted data in any file"
  "store.skip_scrub|gosmart-system-tests|an erased organisation leaves no byte of its personal data in any file"
  "store.skip_scrub|gosmart-system-tests|a relay that refuses and then is down leaves a dead letter an operator sends again"
  "zap.admit_strangers|gosmart-system-tests|a key not on the allowlist gets nothing"
  "zap.admit_strangers|gosmart-system-tests|a registry and a matching service give a stranger nothing on any socket"
  "replication.accept_any_origin|gosmart-system-tests|events of an origin the writer may not speak for are refused"
  "store.commit_without_sync|gosmart-unit-tests|a synced commit survives a machine crash; the unsynced tail is what it loses"
  "pipeline.lost_reported_stored|gosmart-unit-tests|a failed commit tells every waiting reply it was not stored"
  "registry.publish_legal_name|gosmart-system-tests|no personal field crosses the border or lands on a peer's disk; a chosen name does"
  "transport.bind_without_zap|gosmart-system-tests|a transport whose ZAP handler stopped binds no server socket"
  "api.skip_role_check|gosmart-system-tests|each role may call only what it is allowed"
  "api.handler_exception_escapes|gosmart-unit-tests|a handler that throws is answered with a typed error and the server goes on"
  "idempotency.forget_replies|gosmart-unit-tests|a kept reply is found by its caller and message id\, durably"
  "idempotency.forget_replies|gosmart-system-tests|the same registration sent three times makes one organisation\, answered alike"
  "replication.apply_twice|gosmart-system-tests|gaps are caught up in pages and every event is applied once\, in order"
  "replication.skip_holes|gosmart-system-tests|gaps are caught up in pages and every event is applied once\, in order"
  "replication.stall_on_placeholder|gosmart-system-tests|a placeholder moves the cursor and applies nothing"
  "replication.no_backoff|gosmart-system-tests|a head announced again and again is still asked for at most 5 times a second"
  "idempotency.forget_replies|gosmart-system-tests|a retry after a kill between the durable write and its reply gets the kept reply"
  "registry.replica_drops_summary|gosmart-unit-tests|a replica that applied every event has the digest of the node it copies"
  "registry.replica_drops_summary|gosmart-unit-tests|the state digest tells apart a replica that lost or altered any replicated field"
  "registry.replica_drops_summary|gosmart-system-tests|a registry killed during 10\,000 changes converges when it returns"
  "probe.publish_before_commit|gosmart-system-tests|every event is applied exactly once across SIGKILLs"
  "registry.national_id_plain|gosmart-unit-tests|the national id index keys hold no registry id and follow a new node key"
  "registry.national_id_plain|gosmart-system-tests|an erased organisation leaves no byte of its personal data in any file"
  "store.ignore_free_space|gosmart-unit-tests|a store refuses writes while its disk has less room than it must keep"
  "store.ignore_free_space|gosmart-system-tests|a registry whose disk fills refuses writes in time and takes them again given room"
  "store.keep_writing_after_failure|gosmart-unit-tests|a store that failed a synced write says so and recovers when opened again"
  "store.keep_writing_after_failure|gosmart-system-tests|a registry whose disk fails stops with exit code 3 and restarts with what it acknowledged"
  "matching.keep_index_on_abort|gosmart-system-tests|a matching service whose disk fills rebuilds its index from the store and catches up given room"
  "registry.refused_without_marker|gosmart-system-tests|an event the registry refuses does not stall the origin for local services"
  "registry.skip_redaction|gosmart-system-tests|an erased organisation leaves no byte of its personal data in any file"
  "registry.peer_keeps_eoi_party|gosmart-system-tests|no personal field crosses the border or lands on a peer's disk; a chosen name does"
)

wanted() {
  ((${#only[@]} == 0)) && return 0
  local name
  for name in "${only[@]}"; do [[ "$name" == "$1" ]] && return 0; done
  return 1
}

# Runs one test; prints its exit code. Output goes to a log kept for a failure of ours.
run_one() {
  local armed="$1" binary="$2" spec="$3" log="$4"
  if [[ -n "$armed" ]]; then
    GOSMART_BREAK="$armed" timeout "$per_test_timeout" "$bin/$binary" "$spec" --warn NoTests \
      > "$log" 2>&1
  else
    env -u GOSMART_BREAK timeout "$per_test_timeout" "$bin/$binary" "$spec" --warn NoTests \
      > "$log" 2>&1
  fi
  echo $?
}

logs="$build/breaks-logs"
mkdir -p "$logs"
[[ "$controls" == 0 ]] && echo "runs without the breaks skipped: the same tests just passed"
problems=()
caught=0
n=0
for row in "${table[@]}"; do
  IFS='|' read -r name binary spec <<< "$row"
  wanted "$name" || continue
  n=$((n + 1))
  [[ -x "$bin/$binary" ]] || { problems+=("$name: no $bin/$binary (build it first)"); continue; }
  # A spec that matches nothing would "fail" for the wrong reason.
  listed=$("$bin/$binary" "$spec" --list-test-names-only | sed '/^$/d' | wc -l)
  if [[ "$listed" != 1 ]]; then
    problems+=("$name: '$spec' names $listed test cases in $binary, not one")
    continue
  fi
  log="$logs/$n-$name"
  control=0
  [[ "$controls" != 0 ]] && control=$(run_one "" "$binary" "$spec" "$log.control.log")
  if [[ "$control" != 0 ]]; then
    problems+=("$name: '$spec' fails without the break too (exit $control, $log.control.log)")
    echo "FAILS UNARMED  $name  by  $spec: exit $control; the end of its output:"
    grep -v '^\s*$' "$log.control.log" | tail -25 | sed 's/^/    /'
    continue
  fi
  status=$(run_one "$name" "$binary" "$spec" "$log.armed.log")
  taken=""
  grep -q "break point $name taken" "$log.armed.log" && taken=" (the output shows the break taken)"
  if [[ "$status" == 0 ]]; then
    problems+=("$name: NOT CAUGHT by '$spec' ($binary passed with the break armed)")
    echo "NOT CAUGHT  $name  by  $spec"
  else
    caught=$((caught + 1))
    reason="failed"
    [[ "$status" == 124 ]] && reason="timed out"
    echo "caught      $name  by  $spec: $reason, exit $status$taken"
  fi
done

echo
((n == 0)) && problems+=("no break matched: ${only[*]}")
if ((${#problems[@]})); then
  printf '%s\n' "${problems[@]}"
  echo "run_breaks: ${#problems[@]} problem(s); $caught of $n catches shown (logs in $logs)"
  exit 1
fi
echo "run_breaks: all $n catches shown: every armed break fails the tests that guard it"
