// NumberRange: the E.164 numbers a node gives its instances, configured as
// "FIRST-LAST" (e.g. "+15550100000-+15550199999", the default). Both ends
// have the same length and prefix up to their last differing digits.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "base/result.h"

namespace vmi::telephony {

class NumberRange {
 public:
  static constexpr const char* kDefault = "+15550100000-+15550199999";
  static Result<NumberRange> Parse(const std::string& spec);

  bool Contains(const std::string& number) const;
  // The lowest number of the range not in `taken`.
  Result<std::string> FirstFree(const std::set<std::string>& taken) const;
  std::string ToString() const;

 private:
  std::string At(uint64_t v) const;
  size_t digits_ = 0;
  uint64_t first_ = 0, last_ = 0;
};

}  // namespace vmi::telephony
