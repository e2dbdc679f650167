#include "devices/telephony/number_range.h"

#include <charconv>

namespace vmi::telephony {
namespace {

bool ParseNumber(const std::string& s, uint64_t* v) {
  if (s.size() < 4 || s.size() > 16 || s[0] != '+') return false;
  auto [p, ec] = std::from_chars(s.data() + 1, s.data() + s.size(), *v);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

Result<NumberRange> NumberRange::Parse(const std::string& spec) {
  size_t dash = spec.find('-');
  NumberRange r;
  std::string a = spec.substr(0, dash), b = dash == std::string::npos ? a : spec.substr(dash + 1);
  if (!ParseNumber(a, &r.first_) || !ParseNumber(b, &r.last_) || a.size() != b.size() ||
      r.first_ > r.last_)
    return Error(ErrorCode::kInvalidArgument,
                 "phone number range must be +FIRST-+LAST with E.164 numbers of one length, e.g. " +
                     std::string(kDefault));
  r.digits_ = a.size() - 1;
  return r;
}

std::string NumberRange::At(uint64_t v) const {
  std::string d = std::to_string(v);
  return "+" + std::string(digits_ - d.size(), '0') + d;
}

bool NumberRange::Contains(const std::string& number) const {
  uint64_t v = 0;
  return number.size() == digits_ + 1 && ParseNumber(number, &v) && v >= first_ && v <= last_;
}

Result<std::string> NumberRange::FirstFree(const std::set<std::string>& taken) const {
  for (uint64_t v = first_; v <= last_; ++v)
    if (!taken.count(At(v))) return At(v);
  return Error(ErrorCode::kResourceExhausted, "no free number left in " + ToString());
}

std::string NumberRange::ToString() const { return At(first_) + "-" + At(last_); }

}  // namespace vmi::telephony
