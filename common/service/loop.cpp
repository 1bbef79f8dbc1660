#include "common/service/loop.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <stdexcept>
#include <system_error>

namespace gosmart::service {
namespace {

sigset_t termination_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void block_termination_signals() {
  sigset_t set = termination_set();
  if (pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) {
    throw std::system_error(errno, std::generic_category(), "pthread_sigmask");
  }
}

Loop::Loop() {
  block_termination_signals();
  sigset_t set = termination_set();
  signal_fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd_ < 0) throw std::system_error(errno, std::generic_category(), "signalfd");
}

Loop::~Loop() {
  if (signal_fd_ >= 0) ::close(signal_fd_);
}

void Loop::on_readable(zmq::socket_t& socket, std::function<void()> handler) {
  watches_.push_back({&socket, -1, std::move(handler)});
}

void Loop::on_fd_readable(int fd, std::function<void()> handler) {
  watches_.push_back({nullptr, fd, std::move(handler)});
}

void Loop::every(Millis interval, std::function<void()> task) {
  timers_.push_back({interval, Clock::now() + interval, std::move(task)});
}

std::size_t Loop::in_slices(std::function<bool()> slice) {
  slices_.push_back({std::move(slice), false});
  return slices_.size() - 1;
}

void Loop::run_slices() {
  for (auto& sliced : slices_) {
    if (sliced.running) sliced.running = sliced.slice();
  }
}

Loop::Millis Loop::until_next_timer(Clock::time_point now) const {
  Millis wait(1000);
  for (const auto& sliced : slices_) {
    if (sliced.running) return Millis(0);
  }
  for (const auto& timer : timers_) {
    // Rounded up: truncated, the last fraction of a millisecond before each timer
    // polled with a timeout of 0 over and over (an idle notifier spun at 5% of a
    // core: outside findings, session 13).
    auto left = std::chrono::ceil<Millis>(timer.due - now);
    if (left < wait) wait = left;
  }
  return wait < Millis(0) ? Millis(0) : wait;
}

void Loop::run_due_timers(Clock::time_point now) {
  for (auto& timer : timers_) {
    if (timer.due <= now) {
      timer.due = now + timer.interval;
      timer.task();
    }
  }
}

int Loop::run() {
  std::vector<zmq::pollitem_t> items;
  items.push_back({nullptr, signal_fd_, ZMQ_POLLIN, 0});
  for (auto& watch : watches_) {
    items.push_back({watch.socket ? watch.socket->handle() : nullptr, watch.fd, ZMQ_POLLIN, 0});
  }

  while (!stopping_) {
    auto wait = until_next_timer(Clock::now());
    try {
      zmq::poll(items.data(), items.size(), wait);
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      throw;
    }
    if (items[0].revents & ZMQ_POLLIN) {
      signalfd_siginfo info{};
      if (::read(signal_fd_, &info, sizeof info) == sizeof info) {
        spdlog::info("signal {} received, shutting down", info.ssi_signo);
        stopping_ = true;
        return static_cast<int>(info.ssi_signo);
      }
    }
    for (std::size_t i = 1; i < items.size() && !stopping_; ++i) {
      if (items[i].revents & ZMQ_POLLIN) watches_[i - 1].handler();
    }
    run_due_timers(Clock::now());
    if (!stopping_) run_slices();
  }
  return 0;
}

}  // namespace gosmart::service
