#include "devices/surface/guest_session.h"

#include <string>

namespace vmi::surface {

Result<SessionAction> GuestSession::Handle(GuestMessage message, std::vector<UniqueFd>* fds) {
  if (auto* hello = std::get_if<Hello>(&message)) return OnHello(*hello);
  if (!ready_) return Error(ErrorCode::kInvalidArgument, "the first message must be hello");
  if (auto* add = std::get_if<AddBuffer>(&message)) return OnAddBuffer(*add, fds);
  if (auto* rm = std::get_if<RemoveBuffer>(&message)) return OnRemoveBuffer(*rm);
  return OnPresent(std::move(std::get<Present>(message)));
}

Result<SessionAction> GuestSession::OnHello(const Hello& m) {
  if (ready_) return Error(ErrorCode::kInvalidArgument, "hello sent twice");
  if (m.version != kProtocolVersion)
    return Error(ErrorCode::kUnimplemented, "protocol version " + std::to_string(m.version) +
                                                " is not supported (host speaks " +
                                                std::to_string(kProtocolVersion) + ")");
  ready_ = true;
  SessionAction a;
  a.welcome = true;
  return a;
}

Result<SessionAction> GuestSession::OnAddBuffer(const AddBuffer& m, std::vector<UniqueFd>* fds) {
  std::string name = "add_buffer " + std::to_string(m.id);
  if (buffers_.count(m.id) != 0)
    return Error(ErrorCode::kInvalidArgument, name + ": id already in use");
  if (buffers_.size() >= limits_.max_buffers)
    return Error(ErrorCode::kResourceExhausted,
                 name + ": at most " + std::to_string(limits_.max_buffers) + " buffers");
  uint64_t need = uint64_t{m.stride} * m.height;
  if (bytes_ + need > limits_.max_buffer_bytes)
    return Error(ErrorCode::kResourceExhausted, name + ": " + std::to_string(need) +
                                                    " more bytes exceed the limit of " +
                                                    std::to_string(limits_.max_buffer_bytes));
  if (fds->size() != 1) return Error(ErrorCode::kInvalidArgument, name + ": needs one fd");
  auto mapped = ShmBuffer::Map(std::move((*fds)[0]), m.width, m.height, m.stride);
  if (!mapped.ok())
    return Error(ErrorCode::kFailedPrecondition, name + ": " + mapped.error().ToString());
  BufferRef ref;
  ref.mem = std::shared_ptr<const ShmBuffer>(std::move(*mapped));
  ref.generation = generation_;
  ref.key = ++*next_key_;
  ref.id = m.id;
  buffers_.emplace(m.id, std::move(ref));
  bytes_ += need;
  return SessionAction{};
}

Result<SessionAction> GuestSession::OnRemoveBuffer(const RemoveBuffer& m) {
  auto it = buffers_.find(m.id);
  if (it == buffers_.end())
    return Error(ErrorCode::kNotFound, "remove_buffer: unknown buffer id " + std::to_string(m.id));
  bytes_ -= it->second.mem->size();
  buffers_.erase(it);
  return SessionAction{};
}

Result<SessionAction> GuestSession::OnPresent(Present m) {
  auto it = buffers_.find(m.buffer_id);
  if (it == buffers_.end())
    return Error(ErrorCode::kNotFound, "present: unknown buffer id " + std::to_string(m.buffer_id));
  const ShmBuffer& b = *it->second.mem;
  for (size_t i = 0; i < m.damage.size(); ++i) {
    const auto& r = m.damage[i];
    // The parser bounded every field by kMaxDimension, so int sums cannot overflow.
    if (r.x + r.w > b.width() || r.y + r.h > b.height())
      return Error(ErrorCode::kInvalidArgument,
                   "present: damage rectangle " + std::to_string(i) + " (" + std::to_string(r.x) +
                       "," + std::to_string(r.y) + " " + std::to_string(r.w) + "x" +
                       std::to_string(r.h) + ") lies outside the " + std::to_string(b.width()) +
                       "x" + std::to_string(b.height()) + " buffer");
  }
  SessionAction a;
  a.present = SessionAction::PresentAction{it->second, m.serial, std::move(m.damage)};
  return a;
}

bool GuestSession::HasBuffer(uint32_t id, uint64_t key) const {
  auto it = buffers_.find(id);
  return it != buffers_.end() && it->second.key == key;
}

WireError WireCodeFor(const Error& e) {
  switch (e.code()) {
    case ErrorCode::kUnimplemented:
      return WireError::kVersion;
    case ErrorCode::kResourceExhausted:
      return WireError::kLimit;
    case ErrorCode::kNotFound:
    case ErrorCode::kFailedPrecondition:
      return WireError::kBadBuffer;
    default:
      return WireError::kProtocol;
  }
}

}  // namespace vmi::surface
