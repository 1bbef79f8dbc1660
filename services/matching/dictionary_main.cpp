// gosmart-matching-dictionary: compiles Debian's FreeDict dictionaries into the file
// the matching service reads at start (domain/term_dictionary.hpp).
//   gosmart-matching-dictionary /usr/share/dictd OUT.tsv
// Exit codes: 0 written, 1 bad usage, 2 a dictionary could not be read or written.
#include <cstdio>
#include <exception>

#include "services/matching/domain/term_dictionary.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s DICTD_DIR OUT.tsv\n", argv[0]);
    return 1;
  }
  try {
    auto dictionary = gosmart::matching::TermDictionary::load(argv[1]);
    dictionary.save(argv[2]);
    std::fprintf(stderr, "%zu entries written to %s\n", dictionary.entries(), argv[2]);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
    return 2;
  }
}
