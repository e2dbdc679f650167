#include "devices/telephony/message_journal.h"

#include <fcntl.h>
#include <unistd.h>

#include "base/file.h"

namespace vmi::telephony {
namespace {

const char* CodingName(Coding c) {
  switch (c) {
    case Coding::kUcs2:
      return "ucs2";
    case Coding::k8Bit:
      return "8bit";
    default:
      return "gsm7";
  }
}

}  // namespace

nlohmann::json MessageToJson(const StoredMessage& m) {
  nlohmann::json j = {{"op", "msg"},         {"id", m.id},         {"instance", m.instance},
                      {"incoming", m.incoming}, {"peer", m.peer},  {"time", m.time},
                      {"index", m.index},    {"coding", CodingName(m.ud.coding)},
                      {"text", m.ud.text}};
  if (m.ud.coding == Coding::k8Bit) j["data"] = ToHex(m.ud.data);
  if (m.ud.concat) {
    j["ref"] = m.ud.concat->ref;
    j["total"] = m.ud.concat->total;
    j["seq"] = m.ud.concat->seq;
  }
  return j;
}

Result<StoredMessage> MessageFromJson(const nlohmann::json& j) {
  StoredMessage m;
  try {
    m.id = j.at("id").get<uint64_t>();
    m.instance = j.at("instance").get<std::string>();
    m.incoming = j.at("incoming").get<bool>();
    m.peer = j.at("peer").get<std::string>();
    m.time = j.at("time").get<int64_t>();
    m.index = j.at("index").get<int>();
    std::string coding = j.at("coding").get<std::string>();
    m.ud.coding = coding == "ucs2" ? Coding::kUcs2 : coding == "8bit" ? Coding::k8Bit : Coding::kGsm7;
    m.ud.text = j.at("text").get<std::string>();
    if (j.contains("data")) m.ud.data = VMI_TRY(FromHex(j["data"].get<std::string>()));
    if (j.contains("ref"))
      m.ud.concat = Concat{j["ref"].get<uint16_t>(), j["total"].get<uint8_t>(),
                           j["seq"].get<uint8_t>()};
  } catch (const nlohmann::json::exception& e) {
    return Error(ErrorCode::kInvalidArgument, std::string("bad message record: ") + e.what());
  }
  return m;
}

Result<std::unique_ptr<MessageJournal>> MessageJournal::Open(const std::string& path) {
  std::unique_ptr<MessageJournal> j(new MessageJournal());
  if (path.empty()) return j;
  if (PathExists(path)) {
    std::string text = VMI_TRY_CTX(ReadFile(path, 256 << 20), "read SMS journal");
    for (const std::string& line : Split(text, '\n')) {
      if (line.empty()) continue;
      auto rec = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (rec.is_discarded() || !rec.is_object()) continue;  // a torn last write
      j->loaded_.push_back(std::move(rec));
    }
  }
  j->fd_ = UniqueFd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (!j->fd_) return Error::FromErrno("open SMS journal " + path);
  return j;
}

Result<void> MessageJournal::Append(const nlohmann::json& record) {
  if (!fd_) return Ok();
  std::string line = record.dump() + "\n";
  ssize_t n = ::write(fd_.get(), line.data(), line.size());
  if (n < 0) return Error::FromErrno("write SMS journal");
  if (static_cast<size_t>(n) != line.size())
    return Error(ErrorCode::kInternal, "short write to the SMS journal");
  if (::fdatasync(fd_.get()) != 0) return Error::FromErrno("fdatasync SMS journal");
  return Ok();
}

}  // namespace vmi::telephony
