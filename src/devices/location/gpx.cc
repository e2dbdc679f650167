#include "devices/location/gpx.h"

#include <expat.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

namespace vmi::devices::location {

namespace {

// The element's local name: GPX documents put their elements in a
// namespace (http://www.topografix.com/GPX/1/1), which the parser joins to
// the name with a space.
std::string_view Local(const XML_Char* name) {
  std::string_view n(name);
  auto sep = n.rfind(' ');
  return sep == std::string_view::npos ? n : n.substr(sep + 1);
}

struct Reader {
  XML_Parser parser = nullptr;
  std::vector<GeoPoint> trk, rte, wpt;
  std::vector<GeoPoint>* current = nullptr;  // the list of the open point
  int depth = 0;
  bool in_ele = false;
  std::string ele;
  std::string error;

  void Fail(const std::string& what) {
    if (error.empty())
      error = what + " (line " + std::to_string(XML_GetCurrentLineNumber(parser)) + ")";
    XML_StopParser(parser, XML_FALSE);
  }

  static bool ParseDouble(const char* s, double& out) {
    if (!s || !*s) return false;
    char* end = nullptr;
    out = std::strtod(s, &end);
    return end && *end == '\0' && std::isfinite(out);
  }

  void Start(const XML_Char* name, const XML_Char** attrs) {
    ++depth;
    std::string_view n = Local(name);
    if (depth == 1) {
      if (n != "gpx") Fail("the document is not GPX: its top element is <" + std::string(n) + ">");
      return;
    }
    if (n == "trkpt" || n == "rtept" || n == "wpt") {
      if (current) return Fail("<" + std::string(n) + "> inside another point");
      std::vector<GeoPoint>& list = n == "trkpt" ? trk : n == "rtept" ? rte : wpt;
      if (trk.size() + rte.size() + wpt.size() >= kMaxGpxPoints)
        return Fail("more than " + std::to_string(kMaxGpxPoints) + " points");
      GeoPoint p;
      bool lat = false, lon = false;
      for (int i = 0; attrs[i]; i += 2) {
        if (std::strcmp(attrs[i], "lat") == 0) {
          if (!ParseDouble(attrs[i + 1], p.latitude) || std::fabs(p.latitude) > 90)
            return Fail("<" + std::string(n) + "> lat must be a number -90..90");
          lat = true;
        } else if (std::strcmp(attrs[i], "lon") == 0) {
          if (!ParseDouble(attrs[i + 1], p.longitude) || std::fabs(p.longitude) > 180)
            return Fail("<" + std::string(n) + "> lon must be a number -180..180");
          lon = true;
        }
      }
      if (!lat || !lon) return Fail("<" + std::string(n) + "> needs lat and lon");
      list.push_back(p);
      current = &list;
    } else if (n == "ele" && current) {
      in_ele = true;
      ele.clear();
    }
  }

  void End(const XML_Char* name) {
    --depth;
    std::string_view n = Local(name);
    if (n == "ele" && in_ele) {
      in_ele = false;
      double alt;
      // Trim the text's surrounding white space.
      auto b = ele.find_first_not_of(" \t\r\n"), e = ele.find_last_not_of(" \t\r\n");
      std::string text = b == std::string::npos ? "" : ele.substr(b, e - b + 1);
      if (!ParseDouble(text.c_str(), alt) || alt < -1000 || alt > 100000)
        return Fail("<ele> must be a number -1000..100000 (m)");
      current->back().altitude = alt;
    } else if (n == "trkpt" || n == "rtept" || n == "wpt") {
      current = nullptr;
    }
  }
};

}  // namespace

Result<std::vector<GeoPoint>> ParseGpx(std::string_view xml) {
  std::unique_ptr<std::remove_pointer_t<XML_Parser>, decltype(&XML_ParserFree)> parser(
      XML_ParserCreateNS(nullptr, ' '), &XML_ParserFree);
  if (!parser) return Error(ErrorCode::kInternal, "GPX: no memory for the XML parser");
  Reader reader;
  reader.parser = parser.get();
  XML_SetUserData(parser.get(), &reader);
  XML_SetElementHandler(
      parser.get(),
      [](void* r, const XML_Char* name, const XML_Char** attrs) {
        static_cast<Reader*>(r)->Start(name, attrs);
      },
      [](void* r, const XML_Char* name) { static_cast<Reader*>(r)->End(name); });
  XML_SetCharacterDataHandler(parser.get(), [](void* r, const XML_Char* s, int len) {
    auto* reader = static_cast<Reader*>(r);
    if (reader->in_ele && reader->ele.size() < 64) reader->ele.append(s, len);
  });
  // No DTD: a GPX document has none, and entities are how XML documents
  // blow up their parsers.
  XML_SetStartDoctypeDeclHandler(parser.get(), [](void* r, const XML_Char*, const XML_Char*,
                                                   const XML_Char*, int) {
    static_cast<Reader*>(r)->Fail("a DTD is not allowed in GPX");
  });
  XML_SetEntityDeclHandler(parser.get(), [](void* r, const XML_Char*, int, const XML_Char*, int,
                                            const XML_Char*, const XML_Char*, const XML_Char*,
                                            const XML_Char*) {
    static_cast<Reader*>(r)->Fail("entities are not allowed in GPX");
  });
  if (xml.size() > static_cast<size_t>(INT32_MAX))
    return Error(ErrorCode::kInvalidArgument, "GPX: too large");
  if (XML_Parse(parser.get(), xml.data(), static_cast<int>(xml.size()), XML_TRUE) ==
      XML_STATUS_ERROR) {
    if (!reader.error.empty()) return Error(ErrorCode::kInvalidArgument, "GPX: " + reader.error);
    return Error(ErrorCode::kInvalidArgument,
                 std::string("GPX: not well-formed XML: ") +
                     XML_ErrorString(XML_GetErrorCode(parser.get())) + " (line " +
                     std::to_string(XML_GetCurrentLineNumber(parser.get())) + ")");
  }
  if (!reader.error.empty()) return Error(ErrorCode::kInvalidArgument, "GPX: " + reader.error);
  if (!reader.trk.empty()) return std::move(reader.trk);
  if (!reader.rte.empty()) return std::move(reader.rte);
  if (!reader.wpt.empty()) return std::move(reader.wpt);
  return Error(ErrorCode::kInvalidArgument, "GPX: no points (<trkpt>, <rtept> or <wpt>)");
}

}  // namespace vmi::devices::location
