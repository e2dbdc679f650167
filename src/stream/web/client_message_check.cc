#include "stream/web/client_message_check.h"

#include <cstdlib>

#include "stream/web/protocol.h"

namespace vmi::web {

void CheckClientMessage(const uint8_t* data, size_t size) {
  auto r = ParseClientMessage({data, size});
  if (!r.ok()) {
    // Reasons go into WebSocket close frames.
    if (r.error().message().empty() || r.error().message().size() > 123) std::abort();
    return;
  }
  if (size == 0) std::abort();
  if (auto* t = std::get_if<TextMsg>(&*r)) {
    if (t->utf8.empty() || t->utf8.size() > kMaxTextBytes || !IsValidUtf8(t->utf8)) std::abort();
  } else if (auto* k = std::get_if<KeyMsg>(&*r)) {
    if (!IsValidKeysym(k->keysym)) std::abort();
  } else if (auto* t = std::get_if<TouchMsg>(&*r)) {
    if (t->finger >= kMaxFingers || t->action > 3) std::abort();
  } else if (auto* p = std::get_if<PointerMsg>(&*r)) {
    if (p->buttons > 0x1f) std::abort();
  } else if (auto* a = std::get_if<AudioMsg>(&*r)) {
    if (a->data.size() != size || a->data.data() != data) std::abort();
  } else if (size > kMaxClientMessage) {
    std::abort();
  }
}

}  // namespace vmi::web
