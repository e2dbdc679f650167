#include "guest/init/substitute.h"

#include <cctype>

extern char** environ;

namespace vmi::guest {

Environment ProcessEnvironment() {
  Environment env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

namespace {
bool ValidName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}
}  // namespace

Result<std::string> Substitute(std::string_view text, const Environment& env) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '$' || i + 1 >= text.size()) {
      out += c;
      continue;
    }
    char next = text[i + 1];
    if (next == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (next != '{') {
      out += c;
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      return Error(ErrorCode::kInvalidArgument,
                   "unterminated ${ in \"" + std::string(text) + "\"");
    }
    std::string_view body = text.substr(i + 2, close - i - 2);
    std::string_view name = body;
    std::string_view fallback;
    bool has_default = false;
    size_t sep = body.find(":-");
    if (sep != std::string_view::npos) {
      name = body.substr(0, sep);
      fallback = body.substr(sep + 2);
      has_default = true;
    }
    if (!ValidName(name)) {
      return Error(ErrorCode::kInvalidArgument,
                   "bad variable name \"" + std::string(name) + "\" in \"" + std::string(text) +
                       "\"");
    }
    auto it = env.find(name);
    if (it != env.end() && !(has_default && it->second.empty())) {
      out += it->second;
    } else if (has_default) {
      out += fallback;
    } else {
      return Error(ErrorCode::kInvalidArgument,
                   "variable " + std::string(name) + " is not set (used in \"" +
                       std::string(text) + "\")");
    }
    i = close;
  }
  return out;
}

}  // namespace vmi::guest
