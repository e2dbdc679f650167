// AtModem: one instance's modem as the guest sees it on its serial port: a
// 3GPP TS 27.007 / 27.005 AT command interpreter in front of the node's
// Network. Everything the guest may do is answered here (the routing table
// calls this "answered by the service"); what reaches another line goes
// through the instance's ModemLine, which only ever acts on its own line.
//
// Input is untrusted: every line is bounded by AtLineReader, every command
// that cannot be parsed or is unknown gets ERROR (or +CME/+CMS ERROR), and a
// malformed PDU gets +CMS ERROR: 304. Nothing the guest sends blocks.
//
// Ownership: the endpoint (modem_endpoint.h) owns one AtModem per connected
// guest port and the line it borrows. Threads: the endpoint's loop thread.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "devices/telephony/at_command.h"
#include "devices/telephony/at_line_reader.h"
#include "devices/telephony/modem_line.h"

namespace vmi::telephony {

struct ModemIdentity {
  std::string imei;   // 15 digits
  std::string imsi;   // 15 digits
  std::string iccid;  // 19-20 digits
};

// A stable identity derived from the line's number (so a restarted service
// shows the same modem to ModemManager).
ModemIdentity IdentityFor(const std::string& number);

class AtModem : public LineObserver {
 public:
  using Writer = std::function<void(std::string_view bytes)>;

  // Borrows the line, which outlives the modem; sets itself as its observer.
  AtModem(ModemLine* line, Writer write);
  ~AtModem() override;
  AtModem(const AtModem&) = delete;
  AtModem& operator=(const AtModem&) = delete;

  // Bytes from the guest's port.
  void Feed(std::string_view bytes);
  // Called every ~2 s by the service: repeats RING for a ringing call.
  void Tick();

  // LineObserver: network events become unsolicited result codes.
  void OnIncomingCall(const CallView& call) override;
  void OnCallChanged(const CallView& call) override;
  void OnCallEnded(const CallView& call, Cause cause) override;
  void OnSmsStored(int index) override;

 private:
  // One command's answer: information lines, then a final result.
  struct Reply {
    std::vector<std::string> lines;
    std::string final = "OK";
  };

  void HandleLine(const std::string& line);
  void HandleCommands(const std::string& line);
  // What the guest set up (echo, error mode, +CREG/+CLIP/+CNMI...), which
  // the line keeps for the next modem of this instance: a restarted device
  // host's modem answers as the one the guest's ModemManager set up.
  nlohmann::json State() const;
  void Restore(const nlohmann::json& state);
  void KeepState();
  void HandlePdu(const std::string& hex);
  Reply Execute(const AtCommand& cmd, bool* stop);
  Reply Basic(const AtCommand& cmd);
  Reply Extended(const AtCommand& cmd);
  Reply Sms(const AtCommand& cmd);
  Reply Dial(const std::string& dial_string);
  Reply CmeError(int code, const char* text) const;
  Reply CmsError(int code) const;
  std::string RegistrationLine(const char* name, int mode) const;
  int RegistrationStat() const;
  std::string CallNumberType(const std::string& number) const;
  void Unsolicited(const std::string& line);
  void Send(const std::string& line);

  ModemLine* line_;
  Writer write_;
  AtLineReader reader_;
  bool echo_ = true;
  int cmee_ = 0;
  int creg_ = 0, cgreg_ = 0;
  bool clip_ = false;
  int cnmi_mt_ = 0;
  int cops_format_ = 0;
  std::string charset_ = "IRA";
  size_t cmgs_length_ = 0;
  bool in_pdu_ = false;
  bool hanging_up_ = false;
  std::string last_cause_ = "No cause information available";
  int last_stat_ = -1;
  std::map<uint64_t, int> announced_;  // unread message id -> ticks since +CMTI
  nlohmann::json kept_;  // the State() the line has
};

}  // namespace vmi::telephony
