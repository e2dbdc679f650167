#include "api/json_reader.h"

namespace vmi::api {

JsonReader::JsonReader(const Json& object) : obj_(object) {
  if (!obj_.is_object()) errors_.push_back("body must be a JSON object");
}

void JsonReader::Fail(const std::string& key, const std::string& what) {
  errors_.push_back(key + ": " + what);
}

const Json* JsonReader::Get(const std::string& key, bool required) {
  known_.insert(key);
  if (!obj_.is_object()) return nullptr;
  auto it = obj_.find(key);
  if (it == obj_.end() || it->is_null()) {
    if (required) Fail(key, "is required");
    return nullptr;
  }
  return &*it;
}

namespace {
bool ValidUtf8Text(std::string_view s) {
  // nlohmann has already rejected invalid UTF-8 in the parse; refuse control
  // characters, which have no place in names or descriptions.
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}
}  // namespace

std::optional<std::string> JsonReader::String(const std::string& key, StringRule rule) {
  const Json* v = Get(key, rule.required);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    Fail(key, "must be a string");
    return std::nullopt;
  }
  const std::string& s = v->get_ref<const std::string&>();
  if (s.size() < rule.min_len || s.size() > rule.max_len) {
    Fail(key, "length must be between " + std::to_string(rule.min_len) + " and " +
                  std::to_string(rule.max_len));
    return std::nullopt;
  }
  if (rule.charset.empty()) {
    if (!ValidUtf8Text(s)) {
      Fail(key, "must not contain control characters");
      return std::nullopt;
    }
  } else {
    for (char c : s) {
      bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!alnum && rule.charset.find(c) == std::string_view::npos) {
        Fail(key, "may contain only letters, digits and \"" + std::string(rule.charset) + "\"");
        return std::nullopt;
      }
    }
  }
  return s;
}

std::optional<int64_t> JsonReader::Int(const std::string& key, IntRule rule) {
  const Json* v = Get(key, rule.required);
  if (!v) return std::nullopt;
  int64_t n = 0;
  if (v->is_number_integer()) {
    if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      Fail(key, "is too large");
      return std::nullopt;
    }
    n = v->get<int64_t>();
  } else {
    Fail(key, "must be an integer");
    return std::nullopt;
  }
  if (n < rule.min || n > rule.max) {
    Fail(key, "must be between " + std::to_string(rule.min) + " and " + std::to_string(rule.max));
    return std::nullopt;
  }
  return n;
}

std::optional<double> JsonReader::Number(const std::string& key, bool required, double min,
                                         double max) {
  const Json* v = Get(key, required);
  if (!v) return std::nullopt;
  if (!v->is_number()) {
    Fail(key, "must be a number");
    return std::nullopt;
  }
  double d = v->get<double>();
  if (!(d >= min && d <= max)) {
    Fail(key, "is out of range");
    return std::nullopt;
  }
  return d;
}

std::optional<bool> JsonReader::Bool(const std::string& key, bool required) {
  const Json* v = Get(key, required);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) {
    Fail(key, "must be true or false");
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<std::string> JsonReader::Enum(const std::string& key,
                                             const std::vector<std::string>& values,
                                             bool required) {
  auto s = String(key, {.required = required, .max_len = 256});
  if (!s) return std::nullopt;
  for (const auto& v : values) {
    if (v == *s) return s;
  }
  std::string list;
  for (const auto& v : values) list += (list.empty() ? "" : ", ") + v;
  Fail(key, "must be one of " + list);
  return std::nullopt;
}

const Json* JsonReader::Raw(const std::string& key) { return Get(key, false); }

Result<void> JsonReader::Finish() {
  if (obj_.is_object()) {
    for (auto it = obj_.begin(); it != obj_.end(); ++it) {
      if (!known_.count(it.key())) {
        std::string k = it.key().substr(0, 64);
        errors_.push_back(k + ": unknown field");
      }
    }
  }
  if (errors_.empty()) return Ok();
  return Error(ErrorCode::kInvalidArgument, errors_.front());
}

Result<void> ValidateName(std::string_view name, std::string_view what) {
  auto bad = [&](const char* why) {
    return Error(ErrorCode::kInvalidArgument, std::string(what) + " " + why);
  };
  if (name.empty() || name.size() > 64) return bad("must be 1 to 64 characters");
  char first = name[0];
  bool first_ok = (first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') ||
                  (first >= '0' && first <= '9');
  if (!first_ok) return bad("must start with a letter or digit");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return bad("may contain only letters, digits, '_', '.' and '-'");
  }
  return Ok();
}

}  // namespace vmi::api
