#include "devices/telephony/at_command.h"

#include <cctype>

namespace vmi::telephony {
namespace {

Error Bad(std::string what) { return Error(ErrorCode::kInvalidArgument, std::move(what)); }

char Upper(char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }

// Removes spaces outside double quotes.
std::string Compact(std::string_view s) {
  std::string out;
  bool quoted = false;
  for (char c : s) {
    if (c == '"') quoted = !quoted;
    if (!quoted && c == ' ') continue;
    out.push_back(c);
  }
  return out;
}

}  // namespace

Result<std::vector<AtCommand>> ParseAtLine(std::string_view raw) {
  std::string line = Compact(raw);
  if (line.size() < 2 || Upper(line[0]) != 'A' || Upper(line[1]) != 'T')
    return Bad("line does not start with AT");
  std::vector<AtCommand> out;
  size_t i = 2;
  while (i < line.size()) {
    char c = line[i];
    if (c == ';') {
      ++i;
      continue;
    }
    if (c == '+' || c == '^' || c == '%' || c == '$') {
      AtCommand cmd;
      size_t start = i++;
      while (i < line.size() && (std::isalnum(static_cast<unsigned char>(line[i])) ||
                                 line[i] == '_' || line[i] == '.' || line[i] == '-'))
        ++i;
      if (i == start + 1) return Bad("extended command without a name");
      for (size_t k = start; k < i; ++k) cmd.name.push_back(Upper(line[k]));
      if (i < line.size() && line[i] == '?') {
        cmd.kind = AtCommand::Kind::kRead;
        ++i;
      } else if (i + 1 < line.size() && line[i] == '=' && line[i + 1] == '?') {
        cmd.kind = AtCommand::Kind::kTest;
        i += 2;
      } else if (i < line.size() && line[i] == '=') {
        cmd.kind = AtCommand::Kind::kSet;
        size_t a = ++i;
        bool quoted = false;
        while (i < line.size() && (quoted || line[i] != ';')) {
          if (line[i] == '"') quoted = !quoted;
          ++i;
        }
        if (quoted) return Bad("unterminated quoted string");
        cmd.args = line.substr(a, i - a);
      } else {
        cmd.kind = AtCommand::Kind::kAction;
      }
      if (i < line.size() && line[i] != ';') return Bad("junk after " + cmd.name);
      out.push_back(std::move(cmd));
      continue;
    }
    if (Upper(c) == 'D') {
      // The dial string runs to the end of the line; a trailing ';' marks a
      // voice call and stays in the string for the modem to see.
      AtCommand cmd{AtCommand::Kind::kBasic, "D", line.substr(i + 1)};
      out.push_back(std::move(cmd));
      break;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '&') {
      AtCommand cmd;
      cmd.kind = AtCommand::Kind::kBasic;
      if (c == '&') {
        if (i + 1 >= line.size() || !std::isalpha(static_cast<unsigned char>(line[i + 1])))
          return Bad("& without a letter");
        cmd.name = std::string("&") + Upper(line[i + 1]);
        i += 2;
      } else {
        cmd.name = std::string(1, Upper(c));
        ++i;
      }
      if (cmd.name == "S") {
        // S-registers: Snn? or Snn=v; kept whole in args.
        size_t a = i;
        while (i < line.size() && line[i] != ';' &&
               !std::isalpha(static_cast<unsigned char>(line[i])))
          ++i;
        cmd.args = line.substr(a, i - a);
      } else {
        size_t a = i;
        while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]))) ++i;
        cmd.args = line.substr(a, i - a);
      }
      out.push_back(std::move(cmd));
      continue;
    }
    return Bad(std::string("unexpected character in command line"));
  }
  return out;
}

std::vector<std::string> SplitArgs(std::string_view args) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (char c : args) {
    if (c == '"') {
      quoted = !quoted;
      continue;
    }
    if (c == ',' && !quoted) {
      out.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    cur.push_back(c);
  }
  out.push_back(std::move(cur));
  return out;
}

}  // namespace vmi::telephony
