#include "api/http/response_stream.h"

namespace vmi::api {

std::string FormatSseEvent(std::string_view event, std::string_view data, std::string_view id) {
  std::string out;
  // Field values must not contain line breaks: they would start new fields.
  auto one_line = [](std::string_view v) {
    std::string s(v);
    for (char& c : s) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    return s;
  };
  if (!event.empty()) out += "event: " + one_line(event) + "\n";
  if (!id.empty()) out += "id: " + one_line(id) + "\n";
  size_t start = 0;
  while (true) {
    size_t nl = data.find('\n', start);
    std::string_view line = data.substr(start, nl == std::string_view::npos ? nl : nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out += "data: ";
    out += line;
    out += "\n";
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  out += "\n";
  return out;
}

bool ResponseStream::SendEvent(std::string_view event, std::string_view data,
                               std::string_view id) {
  return Write(FormatSseEvent(event, data, id));
}

bool ResponseStream::SendComment(std::string_view text) {
  std::string out = ": ";
  for (char c : text) out += (c == '\n' || c == '\r') ? ' ' : c;
  out += "\n\n";
  return Write(std::move(out));
}

}  // namespace vmi::api
