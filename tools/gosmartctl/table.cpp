#include "tools/gosmartctl/table.hpp"

#include <algorithm>

namespace gosmart::ctl {

std::size_t display_width(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

void Table::add(std::vector<std::string> row, Colour colour) {
  row.resize(headers_.size());
  rows_.push_back(std::move(row));
  colours_.push_back(colour);
}

void Table::print(std::ostream& out, bool colour) const {
  std::vector<std::size_t> widths(headers_.size());
  for (std::size_t c = 0; c < headers_.size(); ++c) {
    widths[c] = display_width(headers_[c]);
    for (const auto& row : rows_) widths[c] = std::max(widths[c], display_width(row[c]));
  }
  auto line = [&](const std::vector<std::string>& cells, Colour tint) {
    static const char* codes[] = {"", "\033[32m", "\033[33m", "\033[31m"};
    if (colour && tint != Colour::none) out << codes[static_cast<int>(tint)];
    for (std::size_t c = 0; c < cells.size(); ++c) {
      out << cells[c];
      if (c + 1 < cells.size()) out << std::string(widths[c] - display_width(cells[c]) + 2, ' ');
    }
    if (colour && tint != Colour::none) out << "\033[0m";
    out << "\n";
  };
  line(headers_, Colour::none);
  for (std::size_t r = 0; r < rows_.size(); ++r) line(rows_[r], colours_[r]);
}

}  // namespace gosmart::ctl
