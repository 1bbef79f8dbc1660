#pragma once
// One poll loop per service thread: sockets, timers and SIGINT/SIGTERM (through a
// signalfd, so a signal is just another readable item and shutdown is orderly).
#include <zmq.hpp>

#include <chrono>
#include <functional>
#include <vector>

namespace gosmart::service {

// Blocks SIGINT and SIGTERM in the calling thread. Call it first in main(), before
// any thread (ZeroMQ's I/O threads, the ZAP handler) exists, so that every thread
// inherits the mask and the signals reach only the loop's signalfd.
void block_termination_signals();

class Loop {
 public:
  using Clock = std::chrono::steady_clock;
  using Millis = std::chrono::milliseconds;

  Loop();
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // The socket must outlive the loop's run().
  void on_readable(zmq::socket_t& socket, std::function<void()> handler);
  // A plain file descriptor (an eventfd, say), level-triggered.
  void on_fd_readable(int fd, std::function<void()> handler);
  void every(Millis interval, std::function<void()> task);
  // Work done in slices between the loop's other work, so that a long job (a burst
  // to resolve) never holds sockets and timers longer than one slice: `slice` runs
  // once per turn, after the ready sockets and due timers, for as long as it returns
  // true (more to do), and the poll does not wait meanwhile. It starts only when
  // resume(id) is called, and stops when it returns false. Returns its id.
  std::size_t in_slices(std::function<bool()> slice);
  void resume(std::size_t id) { slices_.at(id).running = true; }

  // Runs until stop() or a termination signal; returns the signal number (0 if none).
  int run();
  void stop() { stopping_ = true; }
  bool stopping() const { return stopping_; }

 private:
  struct Timer {
    Millis interval;
    Clock::time_point due;
    std::function<void()> task;
  };
  struct Watch {
    zmq::socket_t* socket;  // or null, and then fd
    int fd;
    std::function<void()> handler;
  };
  struct Sliced {
    std::function<bool()> slice;
    bool running = false;
  };
  Millis until_next_timer(Clock::time_point now) const;
  void run_due_timers(Clock::time_point now);
  void run_slices();

  int signal_fd_ = -1;
  bool stopping_ = false;
  std::vector<Watch> watches_;
  std::vector<Timer> timers_;
  std::vector<Sliced> slices_;
};

}  // namespace gosmart::service
