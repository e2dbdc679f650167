#include "store/value.h"

#include <cstdlib>

namespace vmi::store {

namespace {
const Value kNull = nullptr;
}

const Value& Row::at(size_t i) const { return i < values_.size() ? values_[i] : kNull; }

bool Row::IsNull(size_t i) const { return std::holds_alternative<std::nullptr_t>(at(i)); }

int64_t Row::Int(size_t i) const {
  const Value& v = at(i);
  if (auto p = std::get_if<int64_t>(&v)) return *p;
  if (auto p = std::get_if<double>(&v)) return static_cast<int64_t>(*p);
  if (auto p = std::get_if<std::string>(&v)) {
    if (*p == "t" || *p == "true") return 1;  // PostgreSQL booleans
    return strtoll(p->c_str(), nullptr, 10);
  }
  return 0;
}

double Row::Real(size_t i) const {
  const Value& v = at(i);
  if (auto p = std::get_if<double>(&v)) return *p;
  if (auto p = std::get_if<int64_t>(&v)) return static_cast<double>(*p);
  if (auto p = std::get_if<std::string>(&v)) return strtod(p->c_str(), nullptr);
  return 0;
}

std::string Row::Text(size_t i) const {
  const Value& v = at(i);
  if (auto p = std::get_if<std::string>(&v)) return *p;
  if (auto p = std::get_if<int64_t>(&v)) return std::to_string(*p);
  if (auto p = std::get_if<double>(&v)) return std::to_string(*p);
  return "";
}

std::optional<size_t> Row::Index(std::string_view column) const {
  if (!columns_) return std::nullopt;
  for (size_t i = 0; i < columns_->size(); ++i) {
    if ((*columns_)[i] == column) return i;
  }
  return std::nullopt;
}

std::string ValueToString(const Value& v) {
  if (auto p = std::get_if<int64_t>(&v)) return std::to_string(*p);
  if (auto p = std::get_if<double>(&v)) return std::to_string(*p);
  if (auto p = std::get_if<std::string>(&v)) return "'" + *p + "'";
  return "NULL";
}

}  // namespace vmi::store
