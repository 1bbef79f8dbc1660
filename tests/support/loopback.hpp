#pragma once
// The IPv4 loopback address at a port, for tests that open plain sockets.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace gosmart::testing {

inline sockaddr_in loopback(int port) {
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_port = htons(static_cast<uint16_t>(port));
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return at;
}

}  // namespace gosmart::testing
