// Labels on instances and the selectors that pick instances by them
// (docs/devices.md, "Labels and batches"), in the style of Kubernetes:
//
//   labels:    {"team": "qa", "app.example.com/tier": "front"}
//   selector:  "team=qa,tier!=back,gpu,!beta"
//
// A key is an optional DNS-style prefix and "/", then a name of 1..63
// characters [A-Za-z0-9._-] starting and ending with a letter or digit; a
// value is empty or such a name. An instance has at most 32 labels.
// A selector is a comma-separated list of terms, all of which must hold:
// `key=value` (or `key==value`), `key!=value` (true when the key is absent),
// `key` (present), `!key` (absent). An empty selector is an error: a batch
// never acts on every instance by accident.
//
// Threads: plain values and functions.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vmi::node {

using Labels = std::map<std::string, std::string>;

inline constexpr size_t kMaxLabels = 32;

Result<void> ValidateLabelKey(std::string_view key);
Result<void> ValidateLabelValue(std::string_view value);
// A JSON object of string values, validated.
Result<Labels> LabelsFromJson(const nlohmann::json& j);

struct LabelSelector {
  enum class Op { kEquals, kNotEquals, kExists, kNotExists };
  struct Term {
    std::string key;
    Op op = Op::kExists;
    std::string value;
  };
  std::vector<Term> terms;

  bool Matches(const Labels& labels) const;
  std::string ToString() const;
};

Result<LabelSelector> ParseLabelSelector(std::string_view text);

}  // namespace vmi::node
