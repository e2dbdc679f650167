#include "devices/telephony/at_modem.h"

#include <charconv>
#include <cstdio>

namespace vmi::telephony {
namespace {

constexpr int kStorageSize = 255;

bool ParseInt(std::string_view s, int* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// A 15-digit IMEI with its Luhn check digit; `body` has 14 digits.
std::string WithLuhn(const std::string& body) {
  int sum = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    int d = body[body.size() - 1 - i] - '0';
    if (i % 2 == 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return body + static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::string LastDigits(const std::string& number, size_t n) {
  std::string digits;
  for (char c : number)
    if (c >= '0' && c <= '9') digits.push_back(c);
  if (digits.size() < n) digits = std::string(n - digits.size(), '0') + digits;
  return digits.substr(digits.size() - n);
}

}  // namespace

ModemIdentity IdentityFor(const std::string& number) {
  // TAC 35 000000 is not allocated to any maker; the serial is the number's
  // last digits, so each line keeps its IMEI across restarts.
  ModemIdentity id;
  id.imei = WithLuhn("35000000" + LastDigits(number, 6));
  id.imsi = "00101" + LastDigits(number, 10);
  id.iccid = "8900101" + LastDigits(number, 12);
  return id;
}

AtModem::AtModem(ModemLine* line, Writer write) : line_(line), write_(std::move(write)) {
  Restore(line_->KeptModemState());
  kept_ = State();
  line_->SetObserver(this);
}

nlohmann::json AtModem::State() const {
  return {{"echo", echo_}, {"cmee", cmee_}, {"creg", creg_}, {"cgreg", cgreg_}, {"clip", clip_},
          {"cnmi", cnmi_mt_}, {"cops", cops_format_}, {"cscs", charset_}};
}

void AtModem::Restore(const nlohmann::json& state) {
  if (!state.is_object()) return;
  // Kept by the network for this line only; still checked field by field,
  // each within what the commands that set it accept.
  auto num = [&](const char* k, int lo, int hi, int* out) {
    if (state.contains(k) && state[k].is_number_integer()) {
      int v = state[k].get<int>();
      if (v >= lo && v <= hi) *out = v;
    }
  };
  auto flag = [&](const char* k, bool* out) {
    if (state.contains(k) && state[k].is_boolean()) *out = state[k].get<bool>();
  };
  flag("echo", &echo_);
  flag("clip", &clip_);
  num("cmee", 0, 2, &cmee_);
  num("creg", 0, 2, &creg_);
  num("cgreg", 0, 2, &cgreg_);
  num("cnmi", 0, 1, &cnmi_mt_);
  num("cops", 0, 2, &cops_format_);
  if (state.contains("cscs") && state["cscs"].is_string()) {
    std::string cs = state["cscs"].get<std::string>();
    if (cs == "IRA" || cs == "GSM") charset_ = cs;
  }
}

void AtModem::KeepState() {
  nlohmann::json now = State();
  if (now == kept_) return;
  kept_ = std::move(now);
  line_->KeepModemState(kept_);
}

AtModem::~AtModem() { line_->SetObserver(nullptr); }

void AtModem::Send(const std::string& line) {
  std::string out = "\r\n" + line + "\r\n";
  write_(out);
}

void AtModem::Unsolicited(const std::string& line) {
  // Never in the middle of a PDU prompt: the guest is typing into it.
  if (in_pdu_) return;
  Send(line);
}

void AtModem::Feed(std::string_view bytes) {
  std::vector<AtLineReader::Item> items;
  reader_.Feed(bytes, &items);
  for (auto& item : items) {
    switch (item.kind) {
      case AtLineReader::Item::Kind::kLine:
        HandleLine(item.text);
        break;
      case AtLineReader::Item::Kind::kPdu:
        in_pdu_ = false;
        HandlePdu(item.text);
        break;
      case AtLineReader::Item::Kind::kPduCancelled:
        in_pdu_ = false;
        Send("OK");
        break;
      case AtLineReader::Item::Kind::kOverlong:
        if (in_pdu_) {
          in_pdu_ = false;
          Send(CmsError(304).final);
        } else {
          Send("ERROR");
        }
        break;
    }
  }
}

void AtModem::HandleLine(const std::string& line) {
  HandleCommands(line);
  KeepState();
}

void AtModem::HandleCommands(const std::string& line) {
  if (echo_) write_(line + "\r");
  auto cmds = ParseAtLine(line);
  if (!cmds.ok()) {
    Send("ERROR");
    return;
  }
  std::vector<std::string> lines;
  for (const AtCommand& cmd : *cmds) {
    bool stop = false;
    Reply r = Execute(cmd, &stop);
    for (auto& l : r.lines) Send(l);
    if (stop) return;  // +CMGS prompt: the final result comes after the PDU
    if (r.final != "OK") {
      Send(r.final);
      return;
    }
  }
  Send("OK");
}

AtModem::Reply AtModem::CmeError(int code, const char* text) const {
  Reply r;
  if (cmee_ == 1)
    r.final = "+CME ERROR: " + std::to_string(code);
  else if (cmee_ == 2)
    r.final = std::string("+CME ERROR: ") + text;
  else
    r.final = "ERROR";
  return r;
}

AtModem::Reply AtModem::CmsError(int code) const {
  Reply r;
  r.final = cmee_ ? "+CMS ERROR: " + std::to_string(code) : "ERROR";
  return r;
}

AtModem::Reply AtModem::Execute(const AtCommand& cmd, bool* stop) {
  if (cmd.kind == AtCommand::Kind::kBasic) return Basic(cmd);
  if (cmd.name == "+CMGS") {
    Reply r = Sms(cmd);
    if (r.final == "> ") {
      *stop = true;
      write_("\r\n> ");
      in_pdu_ = true;
      reader_.ExpectPdu();
      r.final.clear();
    }
    return r;
  }
  static const char* const kSms[] = {"+CMGF", "+CMGL", "+CMGR", "+CMGD", "+CSMS",
                                     "+CPMS", "+CNMI", "+CSCA", "+CSDH"};
  for (const char* n : kSms)
    if (cmd.name == n) return Sms(cmd);
  return Extended(cmd);
}

AtModem::Reply AtModem::Basic(const AtCommand& cmd) {
  Reply r;
  const std::string& n = cmd.name;
  if (n == "E") {
    echo_ = cmd.args != "0";
  } else if (n == "D") {
    return Dial(cmd.args);
  } else if (n == "A") {
    auto ok = line_->Answer();
    if (!ok.ok()) r.final = "NO CARRIER";
  } else if (n == "H") {
    hanging_up_ = true;
    (void)line_->Hangup();
    hanging_up_ = false;
  } else if (n == "I") {
    r.lines = {"vmi modem", "Revision: 1"};
  } else if (n == "Z" || n == "V" || n == "Q" || n == "X" || n == "&F" || n == "&C" ||
             n == "&D" || n == "&W" || n == "S" || n == "L" || n == "M") {
    if (n == "Z" || n == "&F") {
      echo_ = true;
      cmee_ = 0;
    }
    if (n == "V" && cmd.args == "0") r.final = "ERROR";  // numeric results not offered
  } else {
    r.final = "ERROR";
  }
  return r;
}

AtModem::Reply AtModem::Dial(const std::string& dial_string) {
  Reply r;
  std::string number = dial_string;
  bool voice = !number.empty() && number.back() == ';';
  if (voice) number.pop_back();
  // Modifiers (pause, tone/pulse, CLIR/CUG suffixes) are not numbers.
  std::string clean;
  for (char c : number)
    if (c != 'T' && c != 't' && c != 'P' && c != 'p' && c != ',' && c != 'W' && c != 'w' &&
        c != 'I' && c != 'i' && c != 'G' && c != 'g')
      clean.push_back(c);
  if (!voice) {
    last_cause_ = "Bearer capability not presently available";
    r.final = "NO CARRIER";
    return r;
  }
  auto id = line_->Dial(clean);
  if (id.ok()) return r;
  const std::string& msg = id.error().message();
  last_cause_ = msg;
  if (msg.find("cause 17") == 0)
    r.final = "BUSY";
  else if (id.error().code() == ErrorCode::kResourceExhausted)
    return CmeError(100, "rate limit");
  else if (id.error().code() == ErrorCode::kUnavailable)
    return CmeError(30, "no network service");
  else
    r.final = "NO CARRIER";
  return r;
}

int AtModem::RegistrationStat() const {
  auto s = line_->Settings();
  if (!s.ok()) return 0;
  switch (s->registration) {
    case Registration::kHome:
      return 1;
    case Registration::kRoaming:
      return 5;
    case Registration::kSearching:
      return 2;
    case Registration::kDenied:
      return 3;
    default:
      return 0;
  }
}

std::string AtModem::RegistrationLine(const char* name, int mode) const {
  int stat = RegistrationStat();
  std::string line = std::string(name) + ": " + std::to_string(mode) + "," + std::to_string(stat);
  if (mode == 2 && (stat == 1 || stat == 5)) line += ",\"0001\",\"00000001\",0";
  return line;
}

std::string AtModem::CallNumberType(const std::string& number) const {
  return !number.empty() && number[0] == '+' ? "145" : "129";
}

AtModem::Reply AtModem::Extended(const AtCommand& cmd) {
  using K = AtCommand::Kind;
  Reply r;
  const std::string& n = cmd.name;
  auto args = SplitArgs(cmd.args);
  auto settings = line_->Settings();
  LineSettings ls = settings.ok() ? *settings : LineSettings{};
  bool served = ls.registration == Registration::kHome || ls.registration == Registration::kRoaming;
  auto info = [&](std::string v) {
    if (cmd.kind == K::kTest) return;
    r.lines.push_back(std::move(v));
  };
  if (n == "+CGMI" || n == "+GMI") {
    info("vmi");
  } else if (n == "+CGMM" || n == "+GMM") {
    info("vmi-modem");
  } else if (n == "+CGMR" || n == "+GMR") {
    info("1.0");
  } else if (n == "+CGSN" || n == "+GSN") {
    info(IdentityFor(line_->Number()).imei);
  } else if (n == "+CIMI") {
    info(IdentityFor(line_->Number()).imsi);
  } else if (n == "+GCAP") {
    r.lines.push_back("+GCAP: +CGSM");
  } else if (n == "+CPIN") {
    if (cmd.kind == K::kRead) r.lines.push_back("+CPIN: READY");
    if (cmd.kind == K::kSet) return CmeError(3, "operation not allowed");
  } else if (n == "+CFUN") {
    if (cmd.kind == K::kRead) r.lines.push_back("+CFUN: 1");
    if (cmd.kind == K::kTest) r.lines.push_back("+CFUN: (0,1,4),(0-1)");
  } else if (n == "+CSQ") {
    if (cmd.kind == K::kTest)
      r.lines.push_back("+CSQ: (0-31,99),(0-7,99)");
    else
      r.lines.push_back("+CSQ: " + std::to_string(served ? ls.signal : 99) + ",99");
  } else if (n == "+CREG" || n == "+CGREG") {
    int& mode = n == "+CREG" ? creg_ : cgreg_;
    if (cmd.kind == K::kRead) {
      r.lines.push_back(RegistrationLine(n.c_str(), mode));
    } else if (cmd.kind == K::kTest) {
      r.lines.push_back(n + ": (0-2)");
    } else if (cmd.kind == K::kSet) {
      int v = 0;
      if (!ParseInt(args[0], &v) || v < 0 || v > 2) return CmeError(50, "incorrect parameters");
      mode = v;
    }
  } else if (n == "+COPS") {
    if (cmd.kind == K::kRead) {
      if (!served) {
        r.lines.push_back("+COPS: 0");
      } else {
        std::string name = cops_format_ == 2 ? ls.plmn : ls.operator_name;
        r.lines.push_back("+COPS: 0," + std::to_string(cops_format_) + ",\"" + name + "\",0");
      }
    } else if (cmd.kind == K::kTest) {
      r.lines.push_back("+COPS: (2,\"" + ls.operator_name + "\",\"" + ls.operator_name +
                        "\",\"" + ls.plmn + "\",0),,(0-4),(0-2)");
    } else if (cmd.kind == K::kSet) {
      int mode = 0, format = 0;
      if (!ParseInt(args[0], &mode)) return CmeError(50, "incorrect parameters");
      if (args.size() > 1 && ParseInt(args[1], &format) && format >= 0 && format <= 2)
        cops_format_ = format;
    }
  } else if (n == "+CNUM") {
    std::string number = line_->Number();
    r.lines.push_back("+CNUM: \"\",\"" + number + "\"," + CallNumberType(number));
  } else if (n == "+CMEE") {
    if (cmd.kind == K::kRead) r.lines.push_back("+CMEE: " + std::to_string(cmee_));
    if (cmd.kind == K::kTest) r.lines.push_back("+CMEE: (0-2)");
    if (cmd.kind == K::kSet) {
      int v = 0;
      if (!ParseInt(args[0], &v) || v < 0 || v > 2) return CmeError(50, "incorrect parameters");
      cmee_ = v;
    }
  } else if (n == "+CSCS") {
    if (cmd.kind == K::kRead) r.lines.push_back("+CSCS: \"" + charset_ + "\"");
    if (cmd.kind == K::kTest) r.lines.push_back("+CSCS: (\"IRA\",\"GSM\")");
    if (cmd.kind == K::kSet) {
      if (args[0] != "IRA" && args[0] != "GSM") return CmeError(4, "operation not supported");
      charset_ = args[0];
    }
  } else if (n == "+CLIP") {
    if (cmd.kind == K::kRead) r.lines.push_back(std::string("+CLIP: ") + (clip_ ? "1" : "0") + ",1");
    if (cmd.kind == K::kSet) clip_ = args[0] == "1";
  } else if (n == "+CRC" || n == "+COLP" || n == "+CCWA" || n == "+CMER" || n == "+CSSN" ||
             n == "+VTS" || n == "+CLIR" || n == "+CVHU" || n == "+CGEREP") {
    // Accepted settings with nothing to simulate.
  } else if (n == "+CLCC") {
    for (const CallView& c : line_->Calls()) {
      r.lines.push_back("+CLCC: " + std::to_string(c.index) + "," + (c.outgoing ? "0" : "1") +
                        "," + std::to_string(static_cast<int>(c.state)) + ",0,0,\"" + c.peer +
                        "\"," + CallNumberType(c.peer));
    }
  } else if (n == "+CHUP") {
    hanging_up_ = true;
    (void)line_->Hangup();
    hanging_up_ = false;
  } else if (n == "+CEER") {
    r.lines.push_back("+CEER: " + last_cause_);
  } else if (n == "+CGATT") {
    if (cmd.kind == K::kRead) r.lines.push_back(std::string("+CGATT: ") + (served ? "1" : "0"));
  } else if (n == "+CGDCONT") {
    if (cmd.kind == K::kTest) r.lines.push_back("+CGDCONT: (1-1),\"IP\",,,(0),(0)");
  } else if (n == "+CRSM") {
    // Only EF_ICCID (0x2FE2) is readable: ModemManager reads the SIM id.
    if (args.size() >= 2 && args[0] == "176" && args[1] == "12258") {
      std::string swapped;
      std::string iccid = IdentityFor(line_->Number()).iccid;
      if (iccid.size() % 2) iccid += "F";
      for (size_t i = 0; i + 1 < iccid.size(); i += 2) {
        swapped.push_back(iccid[i + 1]);
        swapped.push_back(iccid[i]);
      }
      r.lines.push_back("+CRSM: 144,0,\"" + swapped + "\"");
    } else {
      r.lines.push_back("+CRSM: 106,130");  // file not found
    }
  } else {
    r.final = "ERROR";
  }
  return r;
}

AtModem::Reply AtModem::Sms(const AtCommand& cmd) {
  using K = AtCommand::Kind;
  Reply r;
  const std::string& n = cmd.name;
  auto args = SplitArgs(cmd.args);
  size_t used = line_->Stored().size();
  std::string mem = "\"SM\"," + std::to_string(used) + "," + std::to_string(kStorageSize);
  if (n == "+CSMS") {
    if (cmd.kind == K::kRead) r.lines.push_back("+CSMS: 0,1,1,1");
    if (cmd.kind == K::kSet) r.lines.push_back("+CSMS: 1,1,1");
    if (cmd.kind == K::kTest) r.lines.push_back("+CSMS: (0)");
  } else if (n == "+CMGF") {
    if (cmd.kind == K::kRead) r.lines.push_back("+CMGF: 0");
    if (cmd.kind == K::kTest) r.lines.push_back("+CMGF: (0)");
    if (cmd.kind == K::kSet && args[0] != "0") return CmsError(303);  // text mode: not offered
  } else if (n == "+CPMS") {
    if (cmd.kind == K::kTest) r.lines.push_back("+CPMS: (\"SM\"),(\"SM\"),(\"SM\")");
    if (cmd.kind == K::kRead) r.lines.push_back("+CPMS: " + mem + "," + mem + "," + mem);
    if (cmd.kind == K::kSet) {
      for (const std::string& a : args)
        if (!a.empty() && a != "SM" && a != "ME" && a != "MT") return CmsError(302);
      std::string counts = std::to_string(used) + "," + std::to_string(kStorageSize);
      r.lines.push_back("+CPMS: " + counts + "," + counts + "," + counts);
    }
  } else if (n == "+CNMI") {
    if (cmd.kind == K::kTest) r.lines.push_back("+CNMI: (0-2),(0-1),(0),(0),(0)");
    if (cmd.kind == K::kRead) r.lines.push_back("+CNMI: 2," + std::to_string(cnmi_mt_) + ",0,0,0");
    if (cmd.kind == K::kSet) {
      int mt = 0;
      if (args.size() > 1 && !args[1].empty() && (!ParseInt(args[1], &mt) || mt < 0 || mt > 3))
        return CmsError(303);
      // mt 2/3 (route the PDU directly, +CMT) is downgraded to storing and
      // indicating, which every stack handles.
      cnmi_mt_ = mt ? 1 : 0;
    }
  } else if (n == "+CSCA") {
    if (cmd.kind == K::kRead) r.lines.push_back("+CSCA: \"+15550000000\",145");
  } else if (n == "+CSDH") {
  } else if (n == "+CMGS") {
    int len = 0;
    if (cmd.kind != K::kSet || !ParseInt(args[0], &len) || len < 7 || len > 176)
      return CmsError(304);
    cmgs_length_ = static_cast<size_t>(len);
    r.final = "> ";
  } else if (n == "+CMGL" || n == "+CMGR") {
    int which = 4;
    if (n == "+CMGL" && cmd.kind == K::kTest) {
      r.lines.push_back("+CMGL: (0-4)");
      return r;
    }
    if (cmd.kind == K::kSet && !ParseInt(args[0], &which)) return CmsError(302);
    std::vector<StoredMessage> list;
    if (n == "+CMGR") {
      for (StoredMessage& m : line_->Stored())
        if (m.index == which) list.push_back(std::move(m));
      if (list.empty()) return CmsError(321);  // invalid memory index
    } else {
      if (which < 0 || which > 4) return CmsError(302);
      for (StoredMessage& m : line_->Stored())
        if (which == 4 || (which == 0 && !m.read) || (which == 1 && m.read)) list.push_back(std::move(m));
    }
    std::vector<int> mark;
    for (const StoredMessage* m = list.data(); m != list.data() + list.size(); ++m) {
      SmsDeliver d{m->peer, m->time, m->ud};
      size_t tpdu_len = 0;
      std::string pdu = ToHex(EncodeDeliver(d, &tpdu_len));
      std::string stat = m->read ? "1" : "0";
      // 27.005: the PDU follows its header line after a single CR LF.
      if (n == "+CMGL")
        r.lines.push_back("+CMGL: " + std::to_string(m->index) + "," + stat + ",," +
                          std::to_string(tpdu_len) + "\r\n" + pdu);
      else
        r.lines.push_back("+CMGR: " + stat + ",," + std::to_string(tpdu_len) + "\r\n" + pdu);
      if (!m->read) mark.push_back(m->index);
    }
    for (int i : mark) (void)line_->MarkRead(i);
  } else if (n == "+CMGD") {
    int index = 0, flag = 0;
    if (cmd.kind == K::kTest) {
      r.lines.push_back("+CMGD: (1-255),(0-4)");
      return r;
    }
    if (cmd.kind != K::kSet || !ParseInt(args[0], &index)) return CmsError(302);
    if (args.size() > 1 && !args[1].empty() && !ParseInt(args[1], &flag)) return CmsError(302);
    if (flag == 0) {
      if (!line_->DeleteStored(index).ok()) return CmsError(321);
    } else {
      std::vector<int> doomed;
      for (const StoredMessage& m : line_->Stored())
        if (flag == 4 || (flag >= 1 && m.read)) doomed.push_back(m.index);
      for (int i : doomed) (void)line_->DeleteStored(i);
    }
  } else {
    r.final = "ERROR";
  }
  return r;
}

void AtModem::HandlePdu(const std::string& hex) {
  auto bytes = FromHex(hex);
  if (!bytes.ok() || bytes->empty() || bytes->size() != 1u + (*bytes)[0] + cmgs_length_) {
    Send(CmsError(304).final);  // invalid PDU mode parameter
    return;
  }
  auto submit = DecodeSubmit(*bytes);
  if (!submit.ok()) {
    Send(CmsError(304).final);
    return;
  }
  auto mr = line_->SendSms(*submit);
  if (!mr.ok()) {
    const Error& e = mr.error();
    int cms = e.message().find("cause 1") == 0                    ? 1
              : e.code() == ErrorCode::kResourceExhausted         ? 42   // congestion
              : e.code() == ErrorCode::kUnavailable               ? 331  // no network service
                                                                  : 500;
    last_cause_ = e.message();
    Send(CmsError(cms).final);
    return;
  }
  Send("+CMGS: " + std::to_string(*mr));
  Send("OK");
}

void AtModem::Tick() {
  for (const CallView& c : line_->Calls())
    if (c.state == CallState::kIncoming) OnIncomingCall(c);
  // ModemManager 1.20 loses a +CMTI that arrives while it holds the SMS
  // storage for another command (seen when two SMS arrive 10 ms apart): a
  // message still unread two ticks later is announced once more.
  std::map<uint64_t, int> unread;
  for (const StoredMessage& m : line_->Stored()) {
    if (m.read) continue;
    int ticks = announced_.count(m.id) ? announced_[m.id] + 1 : 0;
    unread[m.id] = ticks;
    if (ticks == 2 && cnmi_mt_) Unsolicited("+CMTI: \"SM\"," + std::to_string(m.index));
  }
  announced_ = std::move(unread);
  int stat = RegistrationStat();
  if (last_stat_ != -1 && stat != last_stat_) {
    if (creg_) Unsolicited(RegistrationLine("+CREG", creg_).replace(7, 2, ""));
  }
  last_stat_ = stat;
}

void AtModem::OnIncomingCall(const CallView& call) {
  Unsolicited("RING");
  if (clip_) Unsolicited("+CLIP: \"" + call.peer + "\"," + CallNumberType(call.peer) + ",,,,0");
}

void AtModem::OnCallChanged(const CallView&) {
  // The guest learns state changes from +CLCC; nothing unsolicited in
  // 27.007 announces that the far end answered a voice call.
}

void AtModem::OnCallEnded(const CallView&, Cause cause) {
  last_cause_ = CauseText(cause);
  // The side that hangs up gets OK for its command, not NO CARRIER.
  if (!hanging_up_) Unsolicited("NO CARRIER");
}

void AtModem::OnSmsStored(int index) {
  if (cnmi_mt_) Unsolicited("+CMTI: \"SM\"," + std::to_string(index));
}

}  // namespace vmi::telephony
