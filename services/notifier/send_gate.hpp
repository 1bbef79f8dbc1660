#pragma once
// Whether a queued message may still go out, asked right before each send.
namespace gosmart::notifier {

enum class SendGate {
  send,
  cancel,  // its recipient would not be chosen now: settled unsent
  later,   // cannot tell now (the registry does not answer): the message waits
};

}  // namespace gosmart::notifier
