#pragma once
// Whether a queued message may still go out, asked right before each send.
namespace gosmart::notifier {

enum class SendGate {
  send,
  cancel,  // its recipient would not be chosen now: settled unsent
  later,   // cannot tell now (the registry does not answer), or the relay is over its
           // rate: the message waits, and its lane with it
  aside,   // its recipient (or a webhook's server) is over its rate: the message steps
           // aside until its token comes, and the lane goes on with other recipients
};

}  // namespace gosmart::notifier
