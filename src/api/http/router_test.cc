#include "api/http/router.h"

#include <gtest/gtest.h>

namespace vmi::api {
namespace {

Handler Named(std::string name) {
  return [name](Request&) -> Result<Response> { return Response::Text(name); };
}

TEST(RouterTest, MatchesLiteralsAndParams) {
  Router r;
  r.Handle("GET", "/api/v1/instances", Named("list"));
  r.Handle("POST", "/api/v1/instances", Named("create"));
  r.Handle("GET", "/api/v1/instances/{id}", Named("get"));
  r.Handle("POST", "/api/v1/instances/{id}/start", Named("start"));
  r.Handle("GET", "/api/v1/instances/events", Named("events"));

  auto m = r.Find("POST", "/api/v1/instances/a1/start");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/api/v1/instances/{id}/start");
  EXPECT_EQ(m.params["id"], "a1");

  // A literal segment wins over a parameter.
  m = r.Find("GET", "/api/v1/instances/events");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/api/v1/instances/events");

  m = r.Find("GET", "/api/v1/instances/x%20y");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params["id"], "x y");

  // An encoded slash stays inside the parameter.
  m = r.Find("GET", "/api/v1/instances/a%2Fb");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params["id"], "a/b");

  EXPECT_EQ(r.Find("GET", "/api/v1/instances/a1/start/x").route, nullptr);
  EXPECT_EQ(r.Find("GET", "/api/v1/instances/").route, nullptr);  // empty id
  EXPECT_EQ(r.Find("GET", "/api/v1/instances/%zz").route, nullptr);
  // HEAD finds GET routes.
  EXPECT_NE(r.Find("HEAD", "/api/v1/instances").route, nullptr);
}

TEST(RouterTest, MethodNotAllowedListsAllowedMethods) {
  Router r;
  r.Handle("GET", "/a/{id}", Named("get"));
  r.Handle("DELETE", "/a/{id}", Named("del"));
  auto m = r.Find("PUT", "/a/1");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.method_not_allowed);
  EXPECT_EQ(m.allow, "GET, DELETE");
  m = r.Find("PUT", "/b");
  EXPECT_FALSE(m.method_not_allowed);
}

TEST(RouterTest, RestParameter) {
  Router r;
  r.Handle("GET", "/files/{path*}", Named("files"));
  auto m = r.Find("GET", "/files/a/b/c.txt");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params["path"], "a/b/c.txt");
  m = r.Find("GET", "/files");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params["path"], "");
}

TEST(RouterTest, RoutesEnumeratesInOrder) {
  Router r;
  r.Handle("GET", "/x", Named("x"));
  r.HandleWebSocket("/ws/{id}", [](Request&, std::shared_ptr<WebSocket>) { return Ok(); });
  r.HandleStream("GET", "/events",
                 [](Request&, std::shared_ptr<ResponseStream>) -> Result<Response> {
                   return Response{};
                 });
  auto routes = r.Routes();
  ASSERT_EQ(routes.size(), 3u);
  EXPECT_EQ(routes[1]->method, "GET");
  EXPECT_EQ(routes[1]->pattern, "/ws/{id}");
  EXPECT_EQ(routes[1]->kind, RouteKind::kWebSocket);
  EXPECT_EQ(routes[2]->kind, RouteKind::kStream);
}

TEST(RouterTest, MiddlewareStopsAtFirstError) {
  Router r;
  int calls = 0;
  r.Use([&](Request& req, const Route&) -> Result<void> {
    ++calls;
    req.auth.user_id = 7;
    return Ok();
  });
  r.Use([&](Request& req, const Route& route) -> Result<void> {
    ++calls;
    if (!route.options.public_route && req.auth.user_id != 1) {
      return Error(ErrorCode::kPermissionDenied, "no");
    }
    return Ok();
  });
  r.Handle("GET", "/x", Named("x"));
  Request req;
  auto res = r.RunMiddleware(req, *r.Routes()[0]);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(req.auth.user_id, 7);
}

TEST(RouterDeathTest, DuplicateRouteAborts) {
  Router r;
  r.Handle("GET", "/x", Named("x"));
  EXPECT_DEATH(r.Handle("GET", "/x", Named("y")), "duplicate");
}

TEST(QueryTest, ParsesAndDecodes) {
  auto q = ParseQuery("a=1&b=x%20y&c=p+q&a=2&flag&=v");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->count("a"), 2u);
  EXPECT_EQ(q->find("b")->second, "x y");
  EXPECT_EQ(q->find("c")->second, "p q");
  EXPECT_EQ(q->find("flag")->second, "");
  EXPECT_FALSE(ParseQuery("a=%4").ok());
  EXPECT_FALSE(ParseQuery("a=%00").ok());
}

TEST(ResponseTest, ErrorMapsToStatusAndJson) {
  Error e(ErrorCode::kNotFound, "no such instance");
  e.Context("instance a1");
  Response r = Response::FromError(e);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"error":{"code":"not_found","message":"instance a1: no such instance"}})");
  EXPECT_EQ(*r.headers.Get("content-type"), "application/json");
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kFailedPrecondition), 409);
}

TEST(ResponseTest, ParseJsonObjectRejectsNonObjects) {
  EXPECT_TRUE(ParseJsonObject(R"({"a":1})").ok());
  auto bad = ParseJsonObject(R"({"a":)");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(ParseJsonObject("[1,2]").ok());
  EXPECT_FALSE(ParseJsonObject("").ok());
}

TEST(RequestTest, CookiesAndBearer) {
  Request req;
  req.headers.Add("Cookie", "a=1; vmi_session=abc ; b=2");
  req.headers.Add("authorization", "Bearer  tok123 ");
  EXPECT_EQ(*req.Cookie("vmi_session"), "abc");
  EXPECT_FALSE(req.Cookie("nope").has_value());
  EXPECT_EQ(*req.BearerToken(), "tok123");
}

TEST(SseTest, FormatIsByteExact) {
  EXPECT_EQ(FormatSseEvent("state", "{\"a\":1}", "7"), "event: state\nid: 7\ndata: {\"a\":1}\n\n");
  EXPECT_EQ(FormatSseEvent("", "l1\nl2", ""), "data: l1\ndata: l2\n\n");
  EXPECT_EQ(FormatSseEvent("x\ny", "", ""), "event: x y\ndata: \n\n");
}

}  // namespace
}  // namespace vmi::api
