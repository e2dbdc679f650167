// SMS TPDUs (3GPP TS 23.040) as the AT command set carries them in PDU mode
// (TS 27.005): the SMS-SUBMIT a guest sends with +CMGS, the SMS-DELIVER and
// SMS-STATUS-REPORT a guest reads with +CMGR/+CMGL.
//
// Every decoder takes bytes from a guest and returns an error for anything
// malformed (truncated fields, lengths beyond the PDU, invalid semi-octets);
// it never reads past its input. Text is UTF-8 on our side; on the air it is
// the GSM 7-bit default alphabet when every character has a code there, and
// UCS-2 otherwise.
//
// SMS-SUBMIT, as +CMGS receives it (hex in the AT stream):
//
//   +------+------+----+--------+---------+-----+-----+-----+-----+--------+
//   | SMSC | SMSC | FO | TP-MR  | TP-DA   | PID | DCS | VP  | UDL | UD     |
//   | len  | addr |    | 1 byte | len,TOA,| 1   | 1   | 0,1 | 1   | UDH?+  |
//   | 1    | 0..  |    |        | digits  |     |     | or 7|     | text   |
//   +------+------+----+--------+---------+-----+-----+-----+-----+--------+
//   FO bits: 0-1 MTI (01 = SUBMIT), 3-4 VPF, 5 SRR, 6 UDHI.
//   Address: length in digits, TOA (0x91 international, 0x81 unknown),
//   digits as swapped semi-octets, 0xF fill.
//
// SMS-DELIVER (what we store and hand to the reader):
//
//   | SMSC len=0 | FO (MTI 00, MMS, UDHI) | TP-OA | PID | DCS | SCTS 7 | UDL | UD |
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vmi::telephony {

using Bytes = std::vector<uint8_t>;

enum class Coding { kGsm7, kUcs2, k8Bit };

// The concatenation information element (IEI 0x00 or 0x08).
struct Concat {
  uint16_t ref = 0;
  uint8_t total = 1;
  uint8_t seq = 1;
};

struct UserData {
  Coding coding = Coding::kGsm7;
  std::string text;               // UTF-8 (kGsm7, kUcs2)
  Bytes data;                     // raw octets (k8Bit)
  std::optional<Concat> concat;
};

struct SmsSubmit {
  uint8_t message_ref = 0;
  std::string destination;  // "+15550100001" or national digits
  bool status_report = false;
  UserData ud;
};

struct SmsDeliver {
  std::string originator;
  int64_t timestamp = 0;  // unix seconds, stamped by the network (UTC)
  UserData ud;
};

// Hex <-> bytes for the AT stream. Decoding refuses odd lengths and non-hex.
std::string ToHex(const Bytes& b);
Result<Bytes> FromHex(std::string_view hex);

// Decodes a full PDU as +CMGS gives it (with the SMSC prefix).
Result<SmsSubmit> DecodeSubmit(const Bytes& pdu);
// Encodes a submit (used by tests and by the uplink to a real modem).
Bytes EncodeSubmit(const SmsSubmit& s);
// Encodes an SMS-DELIVER with an empty SMSC prefix. tpdu_len receives the
// length +CMGR/+CMGL report (the PDU without the SMSC part).
Bytes EncodeDeliver(const SmsDeliver& d, size_t* tpdu_len = nullptr);
Result<SmsDeliver> DecodeDeliver(const Bytes& pdu);

// Splits text into the user-data parts of one message (one part when it
// fits, else concatenated parts with reference `ref`).
std::vector<UserData> SplitText(std::string_view utf8, uint16_t ref);

// True if every character of the UTF-8 text has a GSM 7-bit code (default
// alphabet or its extension table).
bool FitsGsm7(std::string_view utf8);

// Address helpers (semi-octet phone numbers).
Bytes EncodeAddress(std::string_view number);  // len (digits), TOA, semi-octets
// Parses an address at pdu[*at]; advances *at.
Result<std::string> DecodeAddress(const Bytes& pdu, size_t* at);

}  // namespace vmi::telephony
