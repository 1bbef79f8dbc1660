#include "common/transport/transport.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "common/core/break_point.hpp"
#include "common/core/curve.hpp"

namespace gosmart::transport {

SocketLimits limits_from_config(const config::Limits& limits) {
  SocketLimits out;
  out.max_message_bytes = limits.max_message_bytes;
  out.high_water_mark = limits.high_water_mark;
  out.heartbeat_ms = limits.heartbeat_ms;
  return out;
}

namespace {

// Binds `port` on 127.0.0.1 (0: the kernel picks) and releases it; the port, or 0.
int try_loopback_port(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  int bound = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  if (bound == 0) ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return bound == 0 ? ntohs(addr.sin_port) : 0;
}

int ephemeral_range_start() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 32768;
  range >> low;
  return low;
}

// A port handed out stays claimed for a while by a file named after it, so two
// processes picking at once (parallel tests, a federation plan and its test) do
// not hand out the same port before either service has bound it. A claim older
// than kClaimLifetime is stale: by then the service bound the port or never will.
bool claim_port(int port) {
  namespace fs = std::filesystem;
  constexpr auto kClaimLifetime = std::chrono::minutes(10);
  std::error_code error;
  fs::path directory = fs::temp_directory_path(error) / "gosmart-port-claims";
  if (error) return true;  // no temporary directory: the bind probe alone decides
  if (fs::create_directory(directory, error)) {
    fs::permissions(directory, fs::perms::all | fs::perms::sticky_bit, error);
  }
  fs::path claim = directory / std::to_string(port);
  for (int attempt = 0; attempt < 2; ++attempt) {
    int fd = ::open(claim.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::close(fd);
      return true;
    }
    if (errno != EEXIST) return true;
    auto written = fs::last_write_time(claim, error);
    if (error) continue;
    if (fs::file_time_type::clock::now() - written < kClaimLifetime) return false;
    fs::remove(claim, error);
  }
  return false;
}

}  // namespace

int free_loopback_port() {
  // Below the kernel's ephemeral range: a port the kernel picked there could be
  // taken as the local end of any outgoing connection before our service binds
  // it (seen with tests running in parallel: "Address already in use").
  constexpr int kFirst = 10000;
  int last = ephemeral_range_start() - 1;
  if (last - kFirst >= 1000) {
    for (int attempt = 0; attempt < 200; ++attempt) {
      int port =
          kFirst + static_cast<int>(randombytes_uniform(static_cast<uint32_t>(last - kFirst)));
      if (try_loopback_port(port) != 0 && claim_port(port)) return port;
    }
  }
  int port = try_loopback_port(0);
  if (port == 0) throw std::runtime_error("bind() failed");
  return port;
}

bool is_inproc(const std::string& endpoint) {
  return endpoint.rfind("inproc://", 0) == 0;
}

Transport::Transport(curve::CurveKeyPair keys, Allowlist allowlist, SocketLimits limits)
    : keys_(std::move(keys)), limits_(limits), context_(1) {
  if (!curve::is_z85_key(keys_.public_key) || !curve::is_z85_key(keys_.secret_key)) {
    throw std::invalid_argument("transport: the node's CURVE keys are not Z85 keys");
  }
  zap_ = std::make_unique<ZapAuthenticator>(context_, std::move(allowlist));
}

Transport::~Transport() {
  zap_.reset();
  context_.shutdown();
}

void Transport::apply_common(zmq::socket_t& socket, zmq::socket_type type) const {
  socket.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(limits_.max_message_bytes));
  socket.set(zmq::sockopt::sndhwm, limits_.high_water_mark);
  socket.set(zmq::sockopt::rcvhwm, limits_.high_water_mark);
  socket.set(zmq::sockopt::linger, limits_.linger_ms);
  socket.set(zmq::sockopt::handshake_ivl, limits_.handshake_ms);
  socket.set(zmq::sockopt::reconnect_ivl, limits_.reconnect_ms);
  socket.set(zmq::sockopt::reconnect_ivl_max, limits_.reconnect_max_ms);
  socket.set(zmq::sockopt::heartbeat_ivl, limits_.heartbeat_ms);
  socket.set(zmq::sockopt::heartbeat_timeout, limits_.heartbeat_ms * 3);
  socket.set(zmq::sockopt::heartbeat_ttl, limits_.heartbeat_ms * 3);
  if (type == zmq::socket_type::router) socket.set(zmq::sockopt::router_mandatory, true);
}

zmq::socket_t Transport::bind(zmq::socket_type type, const std::string& endpoint) {
  zmq::socket_t socket(context_, type);
  apply_common(socket, type);
  if (type == zmq::socket_type::router) {
    // A request over max_message_bytes must be answered too_large and logged, which
    // only the api server can do: libzmq drops a frame over ZMQ_MAXMSGSIZE with the
    // connection, silently (its v1 monitor reports a disconnect, no reason). So a
    // server admits up to twice the limit and refuses above the limit itself;
    // beyond twice, memory matters more than an answer.
    socket.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(2 * limits_.max_message_bytes));
  }
  if (!is_inproc(endpoint)) {
    if ((!zap_ || !zap_->running()) && !GOSMART_BREAK_POINT("transport.bind_without_zap")) {
      throw std::logic_error("transport: refusing to bind " + endpoint +
                             " without a running ZAP handler");
    }
    socket.set(zmq::sockopt::zap_domain, "gosmart");
    socket.set(zmq::sockopt::curve_server, true);
    socket.set(zmq::sockopt::curve_secretkey, keys_.secret_key);
  }
  socket.bind(endpoint);
  return socket;
}

zmq::socket_t Transport::connect(zmq::socket_type type, const std::string& endpoint,
                                 const std::string& server_key,
                                 const std::function<void(zmq::socket_t&)>& before_connect) {
  zmq::socket_t socket(context_, type);
  apply_common(socket, type);
  if (!is_inproc(endpoint)) {
    if (!curve::is_z85_key(server_key)) {
      throw std::invalid_argument("transport: no valid server key for " + endpoint);
    }
    socket.set(zmq::sockopt::curve_serverkey, server_key);
    socket.set(zmq::sockopt::curve_publickey, keys_.public_key);
    socket.set(zmq::sockopt::curve_secretkey, keys_.secret_key);
  }
  if (before_connect) before_connect(socket);
  socket.connect(endpoint);
  return socket;
}

std::vector<zmq::message_t> recv_message(zmq::socket_t& socket) {
  std::vector<zmq::message_t> frames;
  zmq::message_t frame;
  if (!socket.recv(frame, zmq::recv_flags::dontwait)) return frames;
  bool more = frame.more();
  frames.push_back(std::move(frame));
  while (more) {  // the rest of a multipart message is already there: ZeroMQ is atomic
    zmq::message_t next;
    (void)socket.recv(next);
    more = next.more();
    frames.push_back(std::move(next));
  }
  return frames;
}

std::optional<Identity> sender_of(zmq::message_t& frame) {
  // Not message_t::gets: it throws where there is no User-Id, and a frame from an
  // inproc connection (which ZAP never sees) has none.
  const char* user_id = zmq_msg_gets(frame.handle(), "User-Id");
  if (!user_id) return std::nullopt;
  return Identity::from_user_id(user_id);
}

}  // namespace gosmart::transport
