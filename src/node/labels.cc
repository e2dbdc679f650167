#include "node/labels.h"

namespace vmi::node {

namespace {

Error Invalid(const std::string& message) { return Error(ErrorCode::kInvalidArgument, message); }

bool Alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// 1..63 of [A-Za-z0-9._-], starting and ending alphanumeric.
bool IsName(std::string_view s) {
  if (s.empty() || s.size() > 63 || !Alnum(s.front()) || !Alnum(s.back())) return false;
  for (char c : s)
    if (!Alnum(c) && c != '.' && c != '_' && c != '-') return false;
  return true;
}

// A DNS subdomain: labels of [a-z0-9-] joined by dots, at most 253 bytes.
bool IsPrefix(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  while (start <= s.size()) {
    size_t dot = s.find('.', start);
    std::string_view part = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    if (part.empty() || part.size() > 63 || part.front() == '-' || part.back() == '-') return false;
    for (char c : part)
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

std::string Quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s.substr(0, 80)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out + (s.size() > 80 ? "...\"" : "\"");
}

}  // namespace

Result<void> ValidateLabelKey(std::string_view key) {
  size_t slash = key.find('/');
  std::string_view name = slash == std::string_view::npos ? key : key.substr(slash + 1);
  if (slash != std::string_view::npos && !IsPrefix(key.substr(0, slash)))
    return Invalid("label key " + Quoted(key) + ": the prefix before '/' must be a DNS name");
  if (!IsName(name))
    return Invalid("label key " + Quoted(key) +
                   ": must be 1..63 of [A-Za-z0-9._-], starting and ending with a letter or digit");
  return Ok();
}

Result<void> ValidateLabelValue(std::string_view value) {
  if (!value.empty() && !IsName(value))
    return Invalid("label value " + Quoted(value) +
                   ": must be empty or 1..63 of [A-Za-z0-9._-], starting and ending with a "
                   "letter or digit");
  return Ok();
}

Result<Labels> LabelsFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Invalid("\"labels\" must be an object of strings");
  if (j.size() > kMaxLabels)
    return Invalid("\"labels\": at most " + std::to_string(kMaxLabels) + " labels");
  Labels out;
  for (const auto& [k, v] : j.items()) {
    VMI_CHECK_OK(ValidateLabelKey(k), "labels");
    if (!v.is_string()) return Invalid("labels: the value of " + Quoted(k) + " must be a string");
    VMI_CHECK_OK(ValidateLabelValue(v.get<std::string>()), "labels");
    out[k] = v.get<std::string>();
  }
  return out;
}

bool LabelSelector::Matches(const Labels& labels) const {
  for (const auto& t : terms) {
    auto it = labels.find(t.key);
    bool has = it != labels.end();
    switch (t.op) {
      case Op::kEquals:
        if (!has || it->second != t.value) return false;
        break;
      case Op::kNotEquals:
        if (has && it->second == t.value) return false;
        break;
      case Op::kExists:
        if (!has) return false;
        break;
      case Op::kNotExists:
        if (has) return false;
        break;
    }
  }
  return true;
}

std::string LabelSelector::ToString() const {
  std::string out;
  for (const auto& t : terms) {
    if (!out.empty()) out += ",";
    switch (t.op) {
      case Op::kEquals: out += t.key + "=" + t.value; break;
      case Op::kNotEquals: out += t.key + "!=" + t.value; break;
      case Op::kExists: out += t.key; break;
      case Op::kNotExists: out += "!" + t.key; break;
    }
  }
  return out;
}

Result<LabelSelector> ParseLabelSelector(std::string_view text) {
  if (text.size() > 4096) return Invalid("label selector: longer than 4096 bytes");
  LabelSelector s;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string_view term =
        text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    while (!term.empty() && term.front() == ' ') term.remove_prefix(1);
    while (!term.empty() && term.back() == ' ') term.remove_suffix(1);
    if (term.empty())
      return Invalid("label selector " + Quoted(text) + ": an empty term (selectors are "
                     "key=value, key!=value, key or !key, joined by commas)");
    LabelSelector::Term t;
    if (size_t ne = term.find("!="); ne != std::string_view::npos) {
      t.key = std::string(term.substr(0, ne));
      t.op = LabelSelector::Op::kNotEquals;
      t.value = std::string(term.substr(ne + 2));
    } else if (size_t eq = term.find('='); eq != std::string_view::npos) {
      t.key = std::string(term.substr(0, eq));
      t.op = LabelSelector::Op::kEquals;
      std::string_view v = term.substr(eq + 1);
      if (!v.empty() && v.front() == '=') v.remove_prefix(1);
      t.value = std::string(v);
    } else if (term.front() == '!') {
      t.key = std::string(term.substr(1));
      t.op = LabelSelector::Op::kNotExists;
    } else {
      t.key = std::string(term);
    }
    VMI_CHECK_OK(ValidateLabelKey(t.key), "label selector");
    VMI_CHECK_OK(ValidateLabelValue(t.value), "label selector");
    s.terms.push_back(std::move(t));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return s;
}

}  // namespace vmi::node
