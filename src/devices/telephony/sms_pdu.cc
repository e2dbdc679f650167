#include "devices/telephony/sms_pdu.h"

#include <ctime>

#include "base/utf8.h"
#include "devices/telephony/gsm7.h"

namespace vmi::telephony {
namespace {

Error Malformed(std::string what) { return Error(ErrorCode::kInvalidArgument, std::move(what)); }

// A bounds-checked reader over a guest's bytes.
class Reader {
 public:
  explicit Reader(const Bytes& b) : b_(b) {}
  Result<uint8_t> Byte(const char* field) {
    if (at_ >= b_.size()) return Malformed(std::string("PDU ends before ") + field);
    return b_[at_++];
  }
  Result<void> Skip(size_t n, const char* field) {
    if (b_.size() - at_ < n) return Malformed(std::string("PDU ends inside ") + field);
    at_ += n;
    return Ok();
  }
  size_t at() const { return at_; }
  size_t* at_ptr() { return &at_; }
  size_t left() const { return b_.size() - at_; }
  const uint8_t* here() const { return b_.data() + at_; }

 private:
  const Bytes& b_;
  size_t at_ = 0;
};

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// UTF-16BE code units -> UTF-8; an unpaired surrogate becomes U+FFFD.
std::string Ucs2ToUtf8(const uint8_t* p, size_t n) {
  std::string out;
  for (size_t i = 0; i + 1 < n; i += 2) {
    uint32_t u = (static_cast<uint32_t>(p[i]) << 8) | p[i + 1];
    if (u >= 0xD800 && u < 0xDC00 && i + 3 < n) {
      uint32_t lo = (static_cast<uint32_t>(p[i + 2]) << 8) | p[i + 3];
      if (lo >= 0xDC00 && lo < 0xE000) {
        AppendUtf8(&out, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
        i += 2;
        continue;
      }
    }
    if (u >= 0xD800 && u < 0xE000) u = 0xFFFD;
    AppendUtf8(&out, u);
  }
  return out;
}

std::vector<uint16_t> Utf8ToUtf16(std::string_view s) {
  std::vector<uint16_t> out;
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    size_t n = DecodeUtf8At(s, i, &cp);
    if (n == 0) {
      cp = 0xFFFD;
      n = 1;
    }
    i += n;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<uint16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<uint16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<uint16_t>(cp));
    }
  }
  return out;
}

Coding CodingOf(uint8_t dcs) {
  if ((dcs & 0xF0) == 0xF0) return (dcs & 0x04) ? Coding::k8Bit : Coding::kGsm7;
  switch ((dcs >> 2) & 0x03) {
    case 1:
      return Coding::k8Bit;
    case 2:
      return Coding::kUcs2;
    default:
      return Coding::kGsm7;
  }
}

uint8_t DcsOf(Coding c) {
  switch (c) {
    case Coding::kUcs2:
      return 0x08;
    case Coding::k8Bit:
      return 0x04;
    default:
      return 0x00;
  }
}

// Reads TP-UDL and TP-UD (with the header when udhi) from r.
Result<UserData> DecodeUserData(Reader& r, uint8_t dcs, bool udhi) {
  UserData ud;
  ud.coding = CodingOf(dcs);
  uint8_t udl = VMI_TRY(r.Byte("TP-UDL"));
  size_t octets = ud.coding == Coding::kGsm7 ? (static_cast<size_t>(udl) * 7 + 7) / 8 : udl;
  if (ud.coding == Coding::kGsm7 && udl > 160) return Malformed("TP-UDL above 160 septets");
  if (ud.coding != Coding::kGsm7 && udl > 140) return Malformed("TP-UDL above 140 octets");
  if (octets > r.left()) return Malformed("user data shorter than TP-UDL");
  const uint8_t* ud_bytes = r.here();
  size_t header = 0;
  if (udhi) {
    if (octets < 1) return Malformed("user-data header missing");
    size_t udhl = ud_bytes[0];
    if (udhl + 1 > octets) return Malformed("user-data header longer than the user data");
    header = udhl + 1;
    // Information elements: IEI, length, data.
    for (size_t i = 1; i + 1 < header;) {
      uint8_t iei = ud_bytes[i];
      size_t len = ud_bytes[i + 1];
      if (i + 2 + len > header) return Malformed("information element beyond the header");
      const uint8_t* d = ud_bytes + i + 2;
      if (iei == 0x00 && len == 3 && d[1] > 0 && d[2] > 0 && d[2] <= d[1])
        ud.concat = Concat{d[0], d[1], d[2]};
      if (iei == 0x08 && len == 4 && d[2] > 0 && d[3] > 0 && d[3] <= d[2])
        ud.concat = Concat{static_cast<uint16_t>((d[0] << 8) | d[1]), d[2], d[3]};
      i += 2 + len;
    }
  }
  if (ud.coding == Coding::kGsm7) {
    size_t header_septets = (header * 8 + 6) / 7;
    if (header_septets > udl) return Malformed("user-data header longer than TP-UDL");
    int fill = static_cast<int>(header_septets * 7 - header * 8);
    auto septets = VMI_TRY(UnpackSeptets(ud_bytes + header, octets - header,
                                         udl - header_septets, fill));
    ud.text = Gsm7ToUtf8(septets);
  } else if (ud.coding == Coding::kUcs2) {
    ud.text = Ucs2ToUtf8(ud_bytes + header, octets - header);
  } else {
    ud.data.assign(ud_bytes + header, ud_bytes + octets);
  }
  VMI_CHECK_OK(r.Skip(octets, "TP-UD"), "user data");
  return ud;
}

// The header bytes (UDHL included) for a user data's concat element.
Bytes HeaderOf(const UserData& ud) {
  if (!ud.concat) return {};
  const Concat& c = *ud.concat;
  if (c.ref > 0xFF)
    return {6, 0x08, 4, static_cast<uint8_t>(c.ref >> 8), static_cast<uint8_t>(c.ref), c.total,
            c.seq};
  return {5, 0x00, 3, static_cast<uint8_t>(c.ref), c.total, c.seq};
}

void EncodeUserData(const UserData& ud, Bytes* out) {
  Bytes header = HeaderOf(ud);
  if (ud.coding == Coding::kGsm7) {
    auto septets = Gsm7FromUtf8(ud.text);
    std::vector<uint8_t> s = septets.ok() ? *septets : std::vector<uint8_t>{};
    size_t header_septets = (header.size() * 8 + 6) / 7;
    int fill = static_cast<int>(header_septets * 7 - header.size() * 8);
    out->push_back(static_cast<uint8_t>(header_septets + s.size()));
    out->insert(out->end(), header.begin(), header.end());
    Bytes packed = PackSeptets(s, fill);
    out->insert(out->end(), packed.begin(), packed.end());
    return;
  }
  Bytes body;
  if (ud.coding == Coding::kUcs2) {
    for (uint16_t u : Utf8ToUtf16(ud.text)) {
      body.push_back(static_cast<uint8_t>(u >> 8));
      body.push_back(static_cast<uint8_t>(u));
    }
  } else {
    body = ud.data;
  }
  out->push_back(static_cast<uint8_t>(header.size() + body.size()));
  out->insert(out->end(), header.begin(), header.end());
  out->insert(out->end(), body.begin(), body.end());
}

uint8_t Bcd(int v) { return static_cast<uint8_t>(((v % 10) << 4) | ((v / 10) % 10)); }
int FromBcd(uint8_t b) { return (b & 0x0F) * 10 + (b >> 4); }

}  // namespace

std::string ToHex(const Bytes& b) {
  static const char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(b.size() * 2);
  for (uint8_t x : b) {
    out.push_back(kDigits[x >> 4]);
    out.push_back(kDigits[x & 0x0F]);
  }
  return out;
}

Result<Bytes> FromHex(std::string_view hex) {
  if (hex.size() % 2) return Malformed("odd number of hex digits");
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  Bytes out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return Malformed("not a hex digit");
    out.push_back(static_cast<uint8_t>((hi << 4) | lo));
  }
  return out;
}

Bytes EncodeAddress(std::string_view number) {
  bool intl = !number.empty() && number[0] == '+';
  if (intl) number.remove_prefix(1);
  Bytes out{static_cast<uint8_t>(number.size()), static_cast<uint8_t>(intl ? 0x91 : 0x81)};
  auto code = [](char c) -> uint8_t {
    if (c == '*') return 0xA;
    if (c == '#') return 0xB;
    return static_cast<uint8_t>((c - '0') & 0x0F);
  };
  for (size_t i = 0; i < number.size(); i += 2) {
    uint8_t lo = code(number[i]);
    uint8_t hi = i + 1 < number.size() ? code(number[i + 1]) : 0xF;
    out.push_back(static_cast<uint8_t>((hi << 4) | lo));
  }
  return out;
}

Result<std::string> DecodeAddress(const Bytes& pdu, size_t* at) {
  if (*at + 2 > pdu.size()) return Malformed("PDU ends inside an address");
  size_t digits = pdu[*at];
  uint8_t toa = pdu[*at + 1];
  if (digits > 20) return Malformed("address longer than 20 digits");
  size_t octets = (digits + 1) / 2;
  if (*at + 2 + octets > pdu.size()) return Malformed("PDU ends inside an address");
  const uint8_t* p = pdu.data() + *at + 2;
  std::string out;
  if ((toa & 0x70) == 0x50) {  // alphanumeric (TS 23.040 9.1.2.5)
    auto septets = VMI_TRY(UnpackSeptets(p, octets, digits * 4 / 7, 0));
    out = Gsm7ToUtf8(septets);
  } else {
    if ((toa & 0x70) == 0x10) out.push_back('+');
    static const char kCodes[] = "0123456789*#abc";
    for (size_t i = 0; i < digits; ++i) {
      uint8_t n = (i % 2 == 0) ? (p[i / 2] & 0x0F) : (p[i / 2] >> 4);
      if (n > 0x0E) return Malformed("fill semi-octet inside an address");
      out.push_back(kCodes[n]);
    }
  }
  *at += 2 + octets;
  return out;
}

Result<SmsSubmit> DecodeSubmit(const Bytes& pdu) {
  Reader r(pdu);
  uint8_t smsc_len = VMI_TRY(r.Byte("SMSC length"));
  VMI_CHECK_OK(r.Skip(smsc_len, "SMSC address"), "SMS-SUBMIT");
  uint8_t fo = VMI_TRY(r.Byte("first octet"));
  if ((fo & 0x03) != 0x01) return Malformed("not an SMS-SUBMIT (TP-MTI)");
  SmsSubmit s;
  s.status_report = fo & 0x20;
  s.message_ref = VMI_TRY(r.Byte("TP-MR"));
  s.destination = VMI_TRY_CTX(DecodeAddress(pdu, r.at_ptr()), "TP-DA");
  if (s.destination.empty()) return Malformed("empty destination address");
  // A destination is a number; an alphanumeric one cannot be dialled.
  if (s.destination.find_first_not_of("+0123456789*#abc") != std::string::npos)
    return Malformed("destination address is not a number");
  VMI_TRY(r.Byte("TP-PID"));
  uint8_t dcs = VMI_TRY(r.Byte("TP-DCS"));
  switch ((fo >> 3) & 0x03) {
    case 2:
      VMI_CHECK_OK(r.Skip(1, "TP-VP"), "SMS-SUBMIT");
      break;
    case 1:
    case 3:
      VMI_CHECK_OK(r.Skip(7, "TP-VP"), "SMS-SUBMIT");
      break;
    default:
      break;
  }
  s.ud = VMI_TRY_CTX(DecodeUserData(r, dcs, fo & 0x40), "SMS-SUBMIT");
  return s;
}

Bytes EncodeSubmit(const SmsSubmit& s) {
  Bytes out{0x00};
  out.push_back(static_cast<uint8_t>(0x01 | (s.status_report ? 0x20 : 0) |
                                     (s.ud.concat ? 0x40 : 0)));
  out.push_back(s.message_ref);
  Bytes a = EncodeAddress(s.destination);
  out.insert(out.end(), a.begin(), a.end());
  out.push_back(0x00);
  out.push_back(DcsOf(s.ud.coding));
  EncodeUserData(s.ud, &out);
  return out;
}

Bytes EncodeDeliver(const SmsDeliver& d, size_t* tpdu_len) {
  Bytes out{0x00};
  // MTI 00 (DELIVER), TP-MMS set (no more messages), UDHI for concat parts.
  out.push_back(static_cast<uint8_t>(0x04 | (d.ud.concat ? 0x40 : 0)));
  Bytes a = EncodeAddress(d.originator);
  out.insert(out.end(), a.begin(), a.end());
  out.push_back(0x00);
  out.push_back(DcsOf(d.ud.coding));
  time_t t = static_cast<time_t>(d.timestamp);
  struct tm tm {};
  gmtime_r(&t, &tm);
  for (int v : {tm.tm_year % 100, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, 0})
    out.push_back(Bcd(v));
  EncodeUserData(d.ud, &out);
  if (tpdu_len) *tpdu_len = out.size() - 1;
  return out;
}

Result<SmsDeliver> DecodeDeliver(const Bytes& pdu) {
  Reader r(pdu);
  uint8_t smsc_len = VMI_TRY(r.Byte("SMSC length"));
  VMI_CHECK_OK(r.Skip(smsc_len, "SMSC address"), "SMS-DELIVER");
  uint8_t fo = VMI_TRY(r.Byte("first octet"));
  if ((fo & 0x03) != 0x00) return Malformed("not an SMS-DELIVER (TP-MTI)");
  SmsDeliver d;
  d.originator = VMI_TRY_CTX(DecodeAddress(pdu, r.at_ptr()), "TP-OA");
  VMI_TRY(r.Byte("TP-PID"));
  uint8_t dcs = VMI_TRY(r.Byte("TP-DCS"));
  if (r.left() < 7) return Malformed("PDU ends inside TP-SCTS");
  const uint8_t* ts = r.here();
  struct tm tm {};
  tm.tm_year = FromBcd(ts[0]) + 100;
  tm.tm_mon = FromBcd(ts[1]) - 1;
  tm.tm_mday = FromBcd(ts[2]);
  tm.tm_hour = FromBcd(ts[3]);
  tm.tm_min = FromBcd(ts[4]);
  tm.tm_sec = FromBcd(ts[5]);
  d.timestamp = static_cast<int64_t>(timegm(&tm));
  VMI_CHECK_OK(r.Skip(7, "TP-SCTS"), "SMS-DELIVER");
  d.ud = VMI_TRY_CTX(DecodeUserData(r, dcs, fo & 0x40), "SMS-DELIVER");
  return d;
}

bool FitsGsm7(std::string_view utf8) { return Gsm7FromUtf8(utf8).ok(); }

std::vector<UserData> SplitText(std::string_view utf8, uint16_t ref) {
  // Code points with their cost in units (septets for GSM 7-bit, UTF-16
  // units for UCS-2); a part never splits a character.
  bool gsm = FitsGsm7(utf8);
  std::vector<std::pair<size_t, int>> chars;  // (byte offset, cost)
  for (size_t i = 0; i < utf8.size();) {
    uint32_t cp = 0;
    size_t n = DecodeUtf8At(utf8, i, &cp);
    if (n == 0) n = 1;
    chars.emplace_back(i, gsm ? Gsm7Cost(cp) : (cp >= 0x10000 ? 2 : 1));
    i += n;
  }
  int total_cost = 0;
  for (auto& c : chars) total_cost += c.second;
  // A part's header takes 6 octets with an 8-bit reference, 7 with a
  // 16-bit one (TS 23.040 9.2.3.24.1/.8).
  const bool wide = ref > 0xFF;
  const int single = gsm ? 160 : 70, multi = gsm ? (wide ? 152 : 153) : (wide ? 66 : 67);
  Coding coding = gsm ? Coding::kGsm7 : Coding::kUcs2;
  if (total_cost <= single) return {UserData{coding, std::string(utf8), {}, std::nullopt}};
  std::vector<UserData> parts;
  size_t start = 0;
  int cost = 0;
  for (size_t k = 0; k <= chars.size(); ++k) {
    bool end = k == chars.size();
    if (end || cost + chars[k].second > multi) {
      size_t stop = end ? utf8.size() : chars[k].first;
      if (stop == start) break;
      parts.push_back(UserData{coding, std::string(utf8.substr(start, stop - start)), {},
                               Concat{ref, 0, 0}});
      start = stop;
      cost = 0;
    }
    if (!end) cost += chars[k].second;
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    parts[i].concat->total = static_cast<uint8_t>(parts.size());
    parts[i].concat->seq = static_cast<uint8_t>(i + 1);
  }
  return parts;
}

}  // namespace vmi::telephony
