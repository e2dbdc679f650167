#include "devices/telephony/modem_line.h"

namespace vmi::telephony {

void LocalLine::SetObserver(LineObserver* observer) {
  // One observer in place of another keeps the line attached (and its
  // calls up); none detaches it.
  if (observer_ && !observer) network_->Detach(instance_, observer_);
  observer_ = observer;
  if (observer_) network_->Attach(instance_, observer_);
}

std::vector<StoredMessage> LocalLine::Stored() {
  std::vector<StoredMessage> out;
  for (const StoredMessage* m : network_->Stored(instance_)) out.push_back(*m);
  return out;
}

}  // namespace vmi::telephony
