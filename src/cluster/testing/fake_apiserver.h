// FakeApiServer: a small Kubernetes API server for tests, implementing
// exactly the documented semantics the controller relies on, over real HTTP
// (api::Server, Boost.Beast):
//
//   - one resourceVersion counter for all objects; every write bumps it and
//     stamps the object; lists carry the counter
//   - GET list (labelSelector k=v), GET one, POST (409 AlreadyExists,
//     generateName), PUT with optimistic concurrency (a stale
//     metadata.resourceVersion is 409 Conflict), PUT .../status (the status
//     subresource: only status changes; the main PUT keeps the stored
//     status), metadata.generation bumped when spec changes
//   - DELETE: with finalizers, sets deletionTimestamp (MODIFIED) and the
//     object goes when a PUT empties them; otherwise DELETED at once, and
//     objects whose ownerReferences name it are deleted too (the garbage
//     collector's background cascade)
//   - GET pods/NAME/log?container=C: the text SetLog gave (limitBytes: the
//     first N bytes), 404 without the Pod, 400 without the container
//   - GET ?watch=true&resourceVersion=RV: the events after RV, then live
//     ones; RV older than the last Compact(): an ERROR event with a Status
//     of code 410 (Expired), then the end of the stream; RV empty or "0":
//     ADDED for every current object first; allowWatchBookmarks=true:
//     BOOKMARK events carrying the current RV every bookmark_interval;
//     timeoutSeconds: the server ends the watch
//
// Not implemented (the controller does not use them): authentication,
// field selectors, PATCH, server-side apply, pagination, admission, defaults
// from schemas.
//
// Threads: the HTTP server's, and a ticker for bookmarks and timeouts. The
// direct methods are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/http/router.h"
#include "api/http/server.h"
#include "cluster/phone.h"

namespace vmi::cluster::testing {

class FakeApiServer {
 public:
  struct Options {
    std::chrono::milliseconds bookmark_interval{200};
  };
  struct Counters {
    int conflicts = 0;  // 409 Conflict answers
    int gone = 0;       // 410 answers to watches
    int bookmarks = 0;
    int writes = 0;     // successful POST/PUT/DELETE
  };

  static Result<std::unique_ptr<FakeApiServer>> Start(Options options);
  ~FakeApiServer();

  std::string url() const;

  // Direct access, with the same rules as over HTTP. `collection` is the
  // path without the name: "/api/v1/namespaces/ns/pods".
  // Returns {status, body}.
  std::pair<int, Json> Create(const std::string& collection, Json object);
  std::pair<int, Json> Replace(const std::string& collection, const std::string& name, Json object,
                               bool status_subresource = false);
  std::pair<int, Json> Delete(const std::string& collection, const std::string& name);
  std::optional<Json> Get(const std::string& collection, const std::string& name) const;
  std::vector<Json> List(const std::string& collection) const;

  // Forgets the event history: watches from any earlier resourceVersion get
  // 410 Gone.
  void Compact();
  // Ends every open watch (as an API server restart or a load balancer would).
  void DropWatches();
  // As one step: ends every watch, runs `writes` (direct calls; no watcher
  // sees them), and compacts. A client that watches again from the last
  // resourceVersion it saw gets 410 Gone and must relist to see the writes.
  void Outage(const std::function<void()>& writes);
  // The log GET .../pods/NAME/log?container=C answers (text/plain; the
  // Pod must exist and have that container).
  void SetLog(const std::string& pods, const std::string& pod, const std::string& container,
              std::string text);
  int64_t resource_version() const;
  Counters counters() const;

 private:
  struct Watcher;
  struct Event {
    int64_t rv;
    std::string collection;
    std::string type;
    Json object;
  };
  explicit FakeApiServer(Options options) : options_(options) {}
  void Register();
  void Tick();
  // Under mu_.
  void Emit(const std::string& collection, const std::string& type, const Json& object);
  std::pair<int, Json> DeleteLocked(const std::string& collection, const std::string& name);
  std::string Stamp(Json& object);

  const Options options_;
  api::Router router_;
  std::unique_ptr<api::Server> server_;
  // Recursive: Outage runs the direct methods under the lock.
  mutable std::recursive_mutex mu_;
  std::condition_variable_any cv_;
  int64_t rv_ = 1;
  std::map<std::string, std::string> logs_;  // "<pods>/<pod>/<container>"; under mu_
  int64_t compacted_below_ = 0;
  int64_t uid_counter_ = 0;
  std::map<std::string, std::map<std::string, Json>> objects_;
  std::vector<Event> history_;
  std::vector<std::shared_ptr<Watcher>> watchers_;
  Counters counters_;
  bool stop_ = false;
  std::thread ticker_;
};

}  // namespace vmi::cluster::testing
