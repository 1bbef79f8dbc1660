#pragma once
// Plain text tables for humans: columns padded to their widest cell, colour only
// when asked (gosmartctl asks only when stdout is a terminal).
#include <ostream>
#include <string>
#include <vector>

namespace gosmart::ctl {

enum class Colour { none, green, yellow, red };

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add(std::vector<std::string> row, Colour colour = Colour::none);
  void print(std::ostream& out, bool colour) const;
  bool empty() const { return rows_.empty(); }

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<Colour> colours_;
};

// Display width of UTF-8 text (code points; the network's scripts are all narrow).
std::size_t display_width(const std::string& text);

}  // namespace gosmart::ctl
