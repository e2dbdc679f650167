#include "cluster/testing/fake_apiserver.h"

#include "api/http/response_stream.h"
#include "cluster/lease_elector.h"

namespace vmi::cluster::testing {
namespace {

Json Status(int code, const std::string& reason, const std::string& message) {
  return {{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
          {"code", code},     {"reason", reason},   {"message", message}};
}

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

// "/apis/g/v/namespaces/ns/res[/name[/status]]" -> collection, name, sub.
struct Parsed {
  std::string collection, name, sub;
  bool ok = false;
};
Parsed ParsePath(const std::string& target) {
  std::string path = target.substr(0, target.find('?'));
  auto parts = Split(path);
  Parsed p;
  size_t ns_at = 0;
  for (size_t i = 0; i < parts.size(); ++i)
    if (parts[i] == "namespaces") ns_at = i;
  if (ns_at == 0 || parts.size() < ns_at + 3) return p;
  std::string c;
  for (size_t i = 0; i <= ns_at + 2; ++i) c += "/" + parts[i];
  p.collection = c;
  if (parts.size() > ns_at + 3) p.name = parts[ns_at + 3];
  if (parts.size() > ns_at + 4) p.sub = parts[ns_at + 4];
  p.ok = parts.size() <= ns_at + 5;
  return p;
}

bool Matches(const Json& obj, const std::string& selector) {
  if (selector.empty()) return true;
  size_t eq = selector.find('=');
  std::string k = selector.substr(0, eq), v = selector.substr(eq + 1);
  const Json& md = obj["metadata"];
  return md.contains("labels") && md["labels"].value(k, "") == v;
}

std::string KindOfCollection(const std::string& collection) {
  std::string res = collection.substr(collection.rfind('/') + 1);
  if (res == "pods") return "Pod";
  if (res == "persistentvolumeclaims") return "PersistentVolumeClaim";
  if (res == "phones") return "Phone";
  if (res == "leases") return "Lease";
  if (res == "events") return "Event";
  return "Object";
}

std::string Line(const std::string& type, const Json& obj) {
  return Json{{"type", type}, {"object", obj}}.dump() + "\n";
}

api::Response JsonResponse(int status, const Json& body) {
  return api::Response::Text(body.dump(), status, "application/json");
}

}  // namespace

struct FakeApiServer::Watcher {
  std::string collection, selector;
  std::shared_ptr<api::ResponseStream> stream;
  bool bookmarks = false;
  std::chrono::steady_clock::time_point deadline;
};

Result<std::unique_ptr<FakeApiServer>> FakeApiServer::Start(Options options) {
  std::unique_ptr<FakeApiServer> s(new FakeApiServer(options));
  s->Register();
  s->server_ = VMI_TRY(api::Server::Start({.tcp_host = "127.0.0.1", .tcp_port = 0,
                                           .max_connections_per_client = 1024,
                                           .idle_timeout = std::chrono::seconds(120)},
                                          s->router_));
  s->ticker_ = std::thread([p = s.get()] { p->Tick(); });
  return s;
}

FakeApiServer::~FakeApiServer() {
  {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    stop_ = true;
    for (auto& w : watchers_) w->stream->Close();
    watchers_.clear();
  }
  cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  server_.reset();
}

std::string FakeApiServer::url() const {
  return "http://127.0.0.1:" + std::to_string(server_->tcp_port());
}

std::string FakeApiServer::Stamp(Json& object) {
  std::string rv = std::to_string(++rv_);
  object["metadata"]["resourceVersion"] = rv;
  return rv;
}

void FakeApiServer::Emit(const std::string& collection, const std::string& type, const Json& object) {
  history_.push_back({rv_, collection, type, object});
  counters_.writes++;
  for (auto it = watchers_.begin(); it != watchers_.end();) {
    auto& w = **it;
    if (w.collection == collection && Matches(object, w.selector)) {
      if (!w.stream->Write(Line(type, object))) {
        it = watchers_.erase(it);
        continue;
      }
    }
    ++it;
  }
}

std::pair<int, Json> FakeApiServer::Create(const std::string& collection, Json object) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (!object.is_object() || !object["metadata"].is_object())
    return {400, Status(400, "BadRequest", "no metadata")};
  Json& md = object["metadata"];
  if (md.value("name", "").empty()) {
    std::string gen = md.value("generateName", "");
    if (gen.empty()) return {422, Status(422, "Invalid", "name or generateName is required")};
    md["name"] = gen + std::to_string(++uid_counter_);
  }
  std::string name = md["name"];
  auto& coll = objects_[collection];
  if (coll.count(name))
    return {409, Status(409, "AlreadyExists", KindOfCollection(collection) + " \"" + name + "\" already exists")};
  md["uid"] = "uid-" + std::to_string(++uid_counter_);
  md["creationTimestamp"] = MicroTimeNow().substr(0, 19) + "Z";
  md.erase("deletionTimestamp");
  if (object.contains("spec")) md["generation"] = 1;
  Stamp(object);
  coll[name] = object;
  Emit(collection, "ADDED", object);
  return {201, object};
}

std::pair<int, Json> FakeApiServer::Replace(const std::string& collection, const std::string& name,
                                            Json object, bool status_subresource) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  auto& coll = objects_[collection];
  auto it = coll.find(name);
  if (it == coll.end()) return {404, Status(404, "NotFound", name + " not found")};
  Json& stored = it->second;
  std::string want = object["metadata"].value("resourceVersion", "");
  if (!want.empty() && want != stored["metadata"].value("resourceVersion", "")) {
    counters_.conflicts++;
    return {409, Status(409, "Conflict",
                        "Operation cannot be fulfilled on " + name +
                            ": the object has been modified; please apply your changes to the "
                            "latest version and try again")};
  }
  Json next = stored;
  if (status_subresource) {
    next["status"] = object.value("status", Json::object());
  } else {
    // The main resource: metadata (labels, annotations, finalizers, owner
    // references) and spec; status and the server's fields stay.
    for (const char* k : {"labels", "annotations", "finalizers", "ownerReferences"}) {
      if (object["metadata"].contains(k)) next["metadata"][k] = object["metadata"][k];
      else next["metadata"].erase(k);
    }
    if (object.contains("spec")) {
      if (object["spec"] != stored.value("spec", Json())) {
        next["spec"] = object["spec"];
        next["metadata"]["generation"] = stored["metadata"].value("generation", 0) + 1;
      }
    }
    if (!stored.contains("status") && object.contains("status") &&
        KindOfCollection(collection) != "Phone")
      next["status"] = object["status"];
  }
  Stamp(next);
  stored = next;
  bool deleting = next["metadata"].contains("deletionTimestamp");
  bool no_finalizers = !next["metadata"].contains("finalizers") || next["metadata"]["finalizers"].empty();
  if (deleting && no_finalizers) {
    Json gone = next;
    coll.erase(it);
    Emit(collection, "DELETED", gone);
    return {200, gone};
  }
  Emit(collection, "MODIFIED", next);
  return {200, next};
}

std::pair<int, Json> FakeApiServer::DeleteLocked(const std::string& collection, const std::string& name) {
  auto& coll = objects_[collection];
  auto it = coll.find(name);
  if (it == coll.end()) return {404, Status(404, "NotFound", name + " not found")};
  Json& obj = it->second;
  const Json& fin = obj["metadata"].value("finalizers", Json::array());
  if (!fin.empty()) {
    if (!obj["metadata"].contains("deletionTimestamp")) {
      obj["metadata"]["deletionTimestamp"] = MicroTimeNow().substr(0, 19) + "Z";
      Stamp(obj);
      Emit(collection, "MODIFIED", obj);
    }
    return {202, obj};
  }
  Json gone = obj;
  std::string uid = gone["metadata"].value("uid", "");
  coll.erase(it);
  Stamp(gone);
  Emit(collection, "DELETED", gone);
  // The garbage collector: dependents in the same namespace go too.
  auto ns_of = [](const std::string& c) {
    size_t i = c.find("/namespaces/");
    return c.substr(i, c.find('/', i + 12) - i);
  };
  std::vector<std::pair<std::string, std::string>> dependents;
  for (const auto& [c, objs] : objects_) {
    if (ns_of(c) != ns_of(collection)) continue;
    for (const auto& [n, o] : objs)
      for (const auto& ref : o["metadata"].value("ownerReferences", Json::array()))
        if (ref.value("uid", "") == uid) dependents.emplace_back(c, n);
  }
  for (const auto& [c, n] : dependents) DeleteLocked(c, n);
  return {200, gone};
}

std::pair<int, Json> FakeApiServer::Delete(const std::string& collection, const std::string& name) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  return DeleteLocked(collection, name);
}

std::optional<Json> FakeApiServer::Get(const std::string& collection, const std::string& name) const {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  auto c = objects_.find(collection);
  if (c == objects_.end()) return std::nullopt;
  auto it = c->second.find(name);
  if (it == c->second.end()) return std::nullopt;
  return it->second;
}

std::vector<Json> FakeApiServer::List(const std::string& collection) const {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  std::vector<Json> out;
  auto c = objects_.find(collection);
  if (c != objects_.end())
    for (const auto& [n, o] : c->second) out.push_back(o);
  return out;
}

void FakeApiServer::Compact() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  history_.clear();
  compacted_below_ = rv_;
}

void FakeApiServer::DropWatches() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  for (auto& w : watchers_) w->stream->Close();
  watchers_.clear();
}

void FakeApiServer::Outage(const std::function<void()>& writes) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  for (auto& w : watchers_) w->stream->Close();
  watchers_.clear();
  writes();
  history_.clear();
  compacted_below_ = rv_;
}

int64_t FakeApiServer::resource_version() const {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  return rv_;
}

FakeApiServer::Counters FakeApiServer::counters() const {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  return counters_;
}

void FakeApiServer::Tick() {
  std::unique_lock<std::recursive_mutex> lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, options_.bookmark_interval, [this] { return stop_; });
    if (stop_) break;
    auto now = std::chrono::steady_clock::now();
    for (auto it = watchers_.begin(); it != watchers_.end();) {
      auto& w = **it;
      if (now >= w.deadline || !w.stream->is_open()) {
        w.stream->Close();
        it = watchers_.erase(it);
        continue;
      }
      if (w.bookmarks) {
        Json bm = {{"kind", KindOfCollection(w.collection)},
                   {"metadata", {{"resourceVersion", std::to_string(rv_)}}}};
        w.stream->Write(Line("BOOKMARK", bm));
        counters_.bookmarks++;
      }
      ++it;
    }
  }
}

void FakeApiServer::SetLog(const std::string& pods, const std::string& pod,
                           const std::string& container, std::string text) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  logs_[pods + "/" + pod + "/" + container] = std::move(text);
}

void FakeApiServer::Register() {
  auto get = [this](api::Request& req, std::shared_ptr<api::ResponseStream> stream) -> Result<api::Response> {
    // A whole answer on a stream route: queued, then the stream ends (the
    // head goes first).
    auto whole = [&stream](int status, const Json& body) {
      stream->Write(body.dump());
      stream->Close();
      return api::Response::Text("", status, "application/json");
    };
    Parsed p = ParsePath(req.target);
    if (!p.ok) return whole(404, Status(404, "NotFound", req.target));
    if (!p.name.empty()) {
      auto obj = Get(p.collection, p.name);
      if (!obj) return whole(404, Status(404, "NotFound", p.name + " not found"));
      if (p.sub == "log") {
        std::string c = req.Query("container").value_or("");
        bool known = false;
        for (const auto& k : (*obj)["spec"]["containers"]) known |= k.value("name", "") == c;
        if (!known) return whole(400, Status(400, "BadRequest", "container " + c + " is not valid"));
        std::string text;
        {
          std::lock_guard<std::recursive_mutex> lock(mu_);
          text = logs_[p.collection + "/" + p.name + "/" + c];
        }
        if (auto n = req.Query("limitBytes")) text = text.substr(0, std::stoull(*n));
        stream->Write(text);
        stream->Close();
        return api::Response::Text("", 200, "text/plain");
      }
      return whole(200, *obj);
    }
    std::string selector = req.Query("labelSelector").value_or("");
    if (req.Query("watch").value_or("") != "true") {
      std::lock_guard<std::recursive_mutex> lock(mu_);
      Json items = Json::array();
      for (const auto& [n, o] : objects_[p.collection])
        if (Matches(o, selector)) items.push_back(o);
      return whole(200, {{"kind", KindOfCollection(p.collection) + "List"},
                                {"apiVersion", "v1"},
                                {"metadata", {{"resourceVersion", std::to_string(rv_)}}},
                                {"items", items}});
    }
    std::string rv_param = req.Query("resourceVersion").value_or("");
    int64_t from = rv_param.empty() ? 0 : std::stoll(rv_param);
    int timeout = std::stoi(req.Query("timeoutSeconds").value_or("1800"));
    std::lock_guard<std::recursive_mutex> lock(mu_);
    std::string first;
    if (from != 0 && from < compacted_below_) {
      counters_.gone++;
      stream->Write(Line("ERROR", Status(410, "Expired", "too old resource version: " + rv_param +
                                                            " (" + std::to_string(compacted_below_) + ")")));
      stream->Close();
      return api::Response::Text("", 200, "application/json");
    }
    if (from == 0) {
      for (const auto& [n, o] : objects_[p.collection])
        if (Matches(o, selector)) first += Line("ADDED", o);
    } else {
      for (const auto& e : history_)
        if (e.rv > from && e.collection == p.collection && Matches(e.object, selector))
          first += Line(e.type, e.object);
    }
    auto w = std::make_shared<Watcher>();
    w->collection = p.collection;
    w->selector = selector;
    w->stream = stream;
    w->bookmarks = req.Query("allowWatchBookmarks").value_or("") == "true";
    w->deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout);
    watchers_.push_back(w);
    return api::Response::Text(first, 200, "application/json");
  };
  auto write = [this](api::Request& req) -> Result<api::Response> {
    Parsed p = ParsePath(req.target);
    if (!p.ok) return JsonResponse(404, Status(404, "NotFound", req.target));
    Json body = Json::parse(req.body, nullptr, false);
    std::pair<int, Json> r;
    if (req.method == "POST") {
      if (body.is_discarded()) return JsonResponse(400, Status(400, "BadRequest", "not JSON"));
      r = Create(p.collection, body);
    } else if (req.method == "PUT") {
      if (body.is_discarded()) return JsonResponse(400, Status(400, "BadRequest", "not JSON"));
      r = Replace(p.collection, p.name, body, p.sub == "status");
    } else {
      r = Delete(p.collection, p.name);
    }
    return JsonResponse(r.first, r.second);
  };
  for (const char* prefix : {"/api/{rest*}", "/apis/{rest*}"}) {
    router_.HandleStream("GET", prefix, get);
    for (const char* m : {"POST", "PUT", "DELETE"}) router_.Handle(m, prefix, write);
  }
}

}  // namespace vmi::cluster::testing
