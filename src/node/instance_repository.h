// Where instance records persist. The SQL implementation works on both
// database backends; tests may use it with a temporary SQLite file.
#pragma once

#include <string>
#include <vector>

#include "node/instance_record.h"

namespace vmi::node {

// Threads: implementations are thread-safe.
class InstanceRepository {
 public:
  virtual ~InstanceRepository() = default;
  virtual Result<std::vector<InstanceRecord>> LoadAll() = 0;
  // AlreadyExists if the name or slot is taken.
  virtual Result<void> Insert(const InstanceRecord& r) = 0;
  virtual Result<void> Update(const InstanceRecord& r) = 0;
  virtual Result<void> Remove(const std::string& id) = 0;
};

}  // namespace vmi::node
