// JsonReader: strict reading of a JSON request body into typed fields.
//
//   auto body = VMI_TRY(ParseJsonObject(req.body));
//   JsonReader r(body);
//   std::string name = r.String("name", {.required = true, .max_len = 64});
//   int64_t cpus = r.Int("cpus", {.min = 1, .max = 64}).value_or(1);
//   VMI_CHECK_OK(r.Finish(), "create instance");
//
// Every problem (missing required field, wrong type, out of range, unknown
// field) is collected; Finish() returns the first as kInvalidArgument, naming
// the field ("cpus: must be an integer between 1 and 64"). Unknown fields
// are errors so typos do not pass silently. Values are validated, never
// trusted: use the returned values only after Finish() is ok.
//
// Threads: a reader is used on one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api/http/response.h"
#include "base/result.h"

namespace vmi::api {

struct StringRule {
  bool required = false;
  size_t min_len = 0;
  size_t max_len = 4096;
  // Allowed characters besides [A-Za-z0-9]; empty: any printable UTF-8
  // without control characters.
  std::string_view charset = {};
};

struct IntRule {
  bool required = false;
  int64_t min = INT64_MIN;
  int64_t max = INT64_MAX;
};

class JsonReader {
 public:
  explicit JsonReader(const Json& object);

  std::optional<std::string> String(const std::string& key, StringRule rule = {});
  std::optional<int64_t> Int(const std::string& key, IntRule rule = {});
  // Accepts integers and decimals.
  std::optional<double> Number(const std::string& key, bool required = false, double min = -1e300,
                               double max = 1e300);
  std::optional<bool> Bool(const std::string& key, bool required = false);
  // One of the given strings.
  std::optional<std::string> Enum(const std::string& key, const std::vector<std::string>& values,
                                  bool required = false);
  // A field read by the caller in its own way (marks it known).
  const Json* Raw(const std::string& key);

  Result<void> Finish();

 private:
  void Fail(const std::string& key, const std::string& what);
  const Json* Get(const std::string& key, bool required);

  const Json& obj_;
  std::set<std::string> known_;
  std::vector<std::string> errors_;
};

// A name for users, tokens, instances: 1..64 of [A-Za-z0-9_.-], starting with
// a letter or digit (so never "." or ".."). Usable in paths.
Result<void> ValidateName(std::string_view name, std::string_view what = "name");

}  // namespace vmi::api
