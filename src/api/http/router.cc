#include "api/http/router.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>

#include "base/file.h"
#include "base/log.h"

namespace vmi::api {

struct Responder::State {
  SendFn send;
  std::atomic<bool> done{false};
  ~State() {
    if (!done.load() && send) {
      send(Error(ErrorCode::kInternal, "handler finished without a response"));
    }
  }
};

Responder::Responder(SendFn send) : state_(std::make_shared<State>()) {
  state_->send = std::move(send);
}

void Responder::operator()(Result<Response> response) const {
  if (state_->done.exchange(true)) {
    VMI_LOG(ERROR) << "Responder called twice; second response dropped";
    return;
  }
  state_->send(std::move(response));
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

[[noreturn]] void BadRoute(const std::string& method, const std::string& pattern,
                           const char* why) {
  VMI_LOG(ERROR) << "route " << method << " " << pattern << ": " << why;
  std::abort();
}

// Splits "/a/b/c" into {"a","b","c"}; "/" into {}. A trailing slash yields
// an empty last segment, so "/a/" does not match "/a".
std::vector<std::string_view> PathSegments(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path[0] != '/') return out;
  path.remove_prefix(1);
  if (path.empty()) return out;
  while (true) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

// Matches segments; fills params. Returns the number of literal segments
// matched (for precedence), or -1.
int MatchRoute(const Route& route, const std::vector<std::string_view>& segs,
               std::map<std::string, std::string>* params) {
  int literals = 0;
  size_t i = 0;
  for (const Route::Segment& seg : route.segments) {
    if (seg.rest) {
      std::string rest;
      for (size_t j = i; j < segs.size(); ++j) {
        if (j > i) rest += '/';
        rest += segs[j];
      }
      auto decoded = PercentDecode(rest);
      if (!decoded.ok()) return -1;
      (*params)[seg.text] = std::move(*decoded);
      return literals;
    }
    if (i >= segs.size()) return -1;
    auto decoded = PercentDecode(segs[i]);
    if (!decoded.ok()) return -1;
    if (seg.param) {
      if (decoded->empty()) return -1;
      (*params)[seg.text] = std::move(*decoded);
    } else {
      if (*decoded != seg.text) return -1;
      ++literals;
    }
    ++i;
  }
  return i == segs.size() ? literals : -1;
}

}  // namespace

Route& Router::Add(std::string method, std::string pattern, RouteKind kind, RouteOptions opts) {
  if (pattern.empty() || pattern[0] != '/') BadRoute(method, pattern, "must start with /");
  for (const auto& r : routes_) {
    if (r->method == method && r->pattern == pattern) BadRoute(method, pattern, "duplicate");
  }
  auto route = std::make_unique<Route>();
  route->method = std::move(method);
  route->pattern = pattern;
  route->kind = kind;
  route->options = opts;
  auto segs = PathSegments(pattern);
  for (size_t i = 0; i < segs.size(); ++i) {
    std::string_view s = segs[i];
    Route::Segment seg;
    if (s.size() >= 2 && s.front() == '{' && s.back() == '}') {
      seg.param = true;
      seg.text = std::string(s.substr(1, s.size() - 2));
      if (!seg.text.empty() && seg.text.back() == '*') {
        seg.text.pop_back();
        seg.rest = true;
        if (i + 1 != segs.size()) BadRoute(route->method, pattern, "{x*} must be last");
      }
      if (seg.text.empty()) BadRoute(route->method, pattern, "empty parameter name");
    } else {
      if (s.find_first_of("{}") != std::string_view::npos) {
        BadRoute(route->method, pattern, "braces inside a literal segment");
      }
      seg.text = std::string(s);
    }
    route->segments.push_back(std::move(seg));
  }
  routes_.push_back(std::move(route));
  return *routes_.back();
}

void Router::Handle(std::string method, std::string pattern, Handler h, RouteOptions opts) {
  Add(std::move(method), std::move(pattern), RouteKind::kHandler, opts).handler = std::move(h);
}

void Router::HandleAsync(std::string method, std::string pattern, AsyncHandler h,
                         RouteOptions opts) {
  Add(std::move(method), std::move(pattern), RouteKind::kAsync, opts).async_handler =
      std::move(h);
}

void Router::HandleStream(std::string method, std::string pattern, StreamHandler h,
                          RouteOptions opts) {
  Add(std::move(method), std::move(pattern), RouteKind::kStream, opts).stream_handler =
      std::move(h);
}

void Router::HandleWebSocket(std::string pattern, WebSocketHandler h, RouteOptions opts) {
  Add("GET", std::move(pattern), RouteKind::kWebSocket, opts).ws_handler = std::move(h);
}

void Router::SetFallback(Handler h, RouteOptions opts) {
  fallback_ = std::make_unique<Route>();
  fallback_->method = "GET";
  fallback_->pattern = "*";
  fallback_->kind = RouteKind::kFallback;
  fallback_->options = opts;
  fallback_->handler = std::move(h);
}

Router::Match Router::Find(std::string_view method, std::string_view raw_path) const {
  Match best;
  int best_literals = -1;
  std::vector<std::string> allowed;
  auto segs = PathSegments(raw_path);
  std::string_view want = method == "HEAD" ? std::string_view("GET") : method;
  for (const auto& r : routes_) {
    std::map<std::string, std::string> params;
    int literals = MatchRoute(*r, segs, &params);
    if (literals < 0) continue;
    if (r->method != want) {
      if (std::find(allowed.begin(), allowed.end(), r->method) == allowed.end()) {
        allowed.push_back(r->method);
      }
      continue;
    }
    if (literals > best_literals) {
      best_literals = literals;
      best.route = r.get();
      best.params = std::move(params);
    }
  }
  if (!best.route && !allowed.empty()) {
    best.method_not_allowed = true;
    for (const auto& m : allowed) {
      if (!best.allow.empty()) best.allow += ", ";
      best.allow += m;
    }
  }
  return best;
}

Result<void> Router::RunMiddleware(Request& req, const Route& route) const {
  for (const auto& m : middleware_) {
    Result<void> r = m(req, route);
    if (!r.ok()) return r;
  }
  return Ok();
}

std::vector<const Route*> Router::Routes() const {
  std::vector<const Route*> out;
  for (const auto& r : routes_) out.push_back(r.get());
  return out;
}

Result<std::string> PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) {
        return Error(ErrorCode::kInvalidArgument, "truncated percent escape");
      }
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return Error(ErrorCode::kInvalidArgument, "bad percent escape");
      char d = static_cast<char>(hi * 16 + lo);
      if (d == '\0') return Error(ErrorCode::kInvalidArgument, "NUL in percent escape");
      out += d;
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

Result<std::multimap<std::string, std::string>> ParseQuery(std::string_view query) {
  std::multimap<std::string, std::string> out;
  for (const std::string& part : Split(query, '&')) {
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string_view k = std::string_view(part).substr(0, eq);
    std::string_view v = eq == std::string::npos ? std::string_view() : std::string_view(part).substr(eq + 1);
    auto key = VMI_TRY_CTX(PercentDecode(k, true), "query");
    auto value = VMI_TRY_CTX(PercentDecode(v, true), "query");
    out.emplace(std::move(key), std::move(value));
  }
  return out;
}

}  // namespace vmi::api
