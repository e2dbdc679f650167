// vmi phone ID [--registration R] [--signal N] [--operator NAME] [--number N],
// vmi call ID [NUMBER | --from NUMBER | --answer [CALL] | --hangup [CALL] | --list],
// vmi sms ID [--from NUMBER TEXT]: an instance's phone line (docs/telephony.md).
#include <iostream>

#include "api/http/client.h"
#include "cli/context.h"

namespace vmi::cli {

namespace {

struct PhoneArgs {
  std::string id;
  std::string registration, op, number;
  int signal = -1;
  std::string call_to, call_from;
  int64_t answer = -1, hangup = -1;
  std::string sms_from;
  std::vector<std::string> text;
};

void PrintCalls(const Json& calls) {
  if (calls.empty()) std::cout << "no calls\n";
  for (const auto& c : calls)
    std::cout << "call " << Field(c, "id") << "  " << Field(c, "direction") << "  "
              << Field(c, "state") << "  " << Field(c, "peer") << "\n";
}

}  // namespace

void AddPhoneCommands(CLI::App& app, Context& ctx) {
  auto& a = ctx.Keep<PhoneArgs>();

  auto* phone = app.add_subcommand("phone", "Show or set an instance's phone line");
  phone->add_option("id", a.id, "Instance id or name")->required();
  phone->add_option("--registration", a.registration, "home, roaming, searching, denied or none")
      ->check(CLI::IsMember({"home", "roaming", "searching", "denied", "none"}));
  phone->add_option("--signal", a.signal, "+CSQ rssi 0..31 (99: unknown)");
  phone->add_option("--operator", a.op, "Operator name the line shows");
  phone->add_option("--number", a.number, "New E.164 number (admin)");
  ctx.On(phone, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      std::string path = "/api/v1/instances/" + a.id + "/phone";
      Json body = Json::object();
      if (!a.registration.empty()) body["registration"] = a.registration;
      if (a.signal >= 0) body["signal"] = a.signal;
      if (!a.op.empty()) body["operator"] = a.op;
      if (!a.number.empty()) body["number"] = a.number;
      Json j = body.empty() ? VMI_TRY(c.Call("GET", path)) : VMI_TRY(c.Call("PATCH", path, &body));
      if (ctx.g.json) {
        PrintJson(j);
        return Ok();
      }
      std::cout << "number        " << Field(j, "number") << "\n"
                << "modem         " << (j.value("attached", false) ? "attached" : "not attached")
                << "\n"
                << "registration  " << Field(j, "registration") << "\n"
                << "signal        " << Field(j, "signal") << "\n"
                << "operator      " << Field(j, "operator") << "\n";
      if (j.contains("calls")) PrintCalls(j["calls"]);
      return Ok();
    });
  });

  auto* call = app.add_subcommand("call", "Place, answer, hang up or list an instance's calls");
  call->add_option("id", a.id, "Instance id or name")->required();
  auto* to = call->add_option("number", a.call_to, "Number the instance calls");
  auto* from = call->add_option("--from", a.call_from, "A call from this number rings at the instance")
                   ->excludes(to);
  auto* answer = call->add_option("--answer", a.answer, "Answer call CALL (0: the ringing one)")
                     ->expected(0, 1)
                     ->default_str("0")
                     ->excludes(to)
                     ->excludes(from);
  call->add_option("--hangup", a.hangup, "Hang up call CALL (0: every call)")
      ->expected(0, 1)
      ->default_str("0")
      ->excludes(to)
      ->excludes(from)
      ->excludes(answer);
  ctx.On(call, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      std::string base = "/api/v1/instances/" + a.id + "/phone/calls";
      Json j;
      if (!a.call_to.empty() || !a.call_from.empty()) {
        Json body = a.call_to.empty() ? Json{{"from", a.call_from}} : Json{{"to", a.call_to}};
        j = VMI_TRY(c.Call("POST", base, &body));
        if (!ctx.g.json) std::cout << "call " << Field(j, "id") << Field(j, "call") << "\n";
      } else if (a.answer >= 0) {
        j = VMI_TRY(c.Call("POST", base + "/" + std::to_string(a.answer) + "/answer"));
        if (!ctx.g.json) PrintCalls(j);
      } else if (a.hangup >= 0) {
        VMI_TRY(c.Call("DELETE", base + "/" + std::to_string(a.hangup)));
        j = Json::object();
        if (!ctx.g.json) std::cout << "hung up\n";
      } else {
        j = VMI_TRY(c.Call("GET", base));
        if (!ctx.g.json) PrintCalls(j);
      }
      if (ctx.g.json) PrintJson(j);
      return Ok();
    });
  });

  auto* sms = app.add_subcommand("sms", "List an instance's SMS, or deliver one to it");
  sms->add_option("id", a.id, "Instance id or name")->required();
  auto* sms_from = sms->add_option("--from", a.sms_from, "Sender's number");
  sms->add_option("text", a.text, "Text to deliver")->needs(sms_from);
  ctx.On(sms, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      std::string path = "/api/v1/instances/" + a.id + "/phone/sms";
      if (!a.sms_from.empty()) {
        std::string text;
        for (const auto& w : a.text) text += (text.empty() ? "" : " ") + w;
        if (text.empty()) return Error(ErrorCode::kInvalidArgument, "no text to deliver");
        Json body = {{"from", a.sms_from}, {"text", text}};
        Json j = VMI_TRY(c.Call("POST", path, &body));
        if (ctx.g.json) PrintJson(j);
        else std::cout << "delivered\n";
        return Ok();
      }
      Json j = VMI_TRY(c.Call("GET", path));
      if (ctx.g.json) {
        PrintJson(j);
        return Ok();
      }
      if (j.empty()) std::cout << "no messages\n";
      for (const auto& m : j)
        std::cout << (m.value("direction", "") == "in" ? "from " : "to   ") << Field(m, "peer")
                  << ": " << Field(m, "text") << "\n";
      return Ok();
    });
  });
}

}  // namespace vmi::cli
