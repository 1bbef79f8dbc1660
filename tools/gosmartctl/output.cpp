#include "tools/gosmartctl/output.hpp"

#include <ctime>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>

namespace gosmart::ctl {

std::string read_input(const std::string& file, const std::string& data) {
  if (!data.empty()) return data;
  if (file.empty()) throw CtlError(1, "give --file FILE or --data JSON");
  std::ifstream in(file == "-" ? "/dev/stdin" : file);
  if (!in) throw CtlError(1, "cannot read " + file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool colour_out() {
  return ::isatty(STDOUT_FILENO) != 0;
}

void print_fields(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::size_t width = 0;
  for (const auto& [name, value] : fields) width = std::max(width, name.size());
  for (const auto& [name, value] : fields) {
    if (value.empty()) continue;
    std::cout << name << std::string(width - name.size() + 2, ' ') << value << "\n";
  }
}

std::string utc_text(uint64_t at_us) {
  std::time_t seconds = static_cast<std::time_t>(at_us / 1'000'000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &utc);
  return when;
}

}  // namespace gosmart::ctl
