#include "bridge/realworld/jsc_api.h"

#include <vector>

namespace vmi::bridge::jsc {

bool Api::Resolve(const std::function<void*(const char*)>& lookup) {
#define R(name)                                                  \
  name = reinterpret_cast<decltype(name)>(lookup(#name));        \
  if (name == nullptr) return false;
  R(JSGlobalContextCreate)
  R(JSGlobalContextRelease)
  R(JSStringCreateWithUTF8CString)
  R(JSStringRelease)
  R(JSStringGetMaximumUTF8CStringSize)
  R(JSStringGetUTF8CString)
  R(JSEvaluateScript)
  R(JSValueToNumber)
  R(JSValueToStringCopy)
  R(JSGarbageCollect)
#undef R
  return true;
}

std::string Api::ToUtf8(Str s) const {
  std::vector<char> buf(JSStringGetMaximumUTF8CStringSize(s) + 1);
  size_t n = JSStringGetUTF8CString(s, buf.data(), buf.size());
  return std::string(buf.data(), n > 0 ? n - 1 : 0);
}

std::string Api::EvalToString(Ctx ctx, const std::string& script) const {
  Str src = JSStringCreateWithUTF8CString(script.c_str());
  Value exception = nullptr;
  Value v = JSEvaluateScript(ctx, src, nullptr, nullptr, 1, &exception);
  JSStringRelease(src);
  std::string prefix;
  if (v == nullptr) {
    v = exception;
    prefix = "EXCEPTION: ";
  }
  if (v == nullptr) return "EXCEPTION: <none>";
  Value ex2 = nullptr;
  Str s = JSValueToStringCopy(ctx, v, &ex2);
  if (s == nullptr) return prefix + "<unprintable>";
  std::string out = prefix + ToUtf8(s);
  JSStringRelease(s);
  return out;
}

double Api::EvalToNumber(Ctx ctx, const std::string& script, bool* threw) const {
  Str src = JSStringCreateWithUTF8CString(script.c_str());
  Value exception = nullptr;
  Value v = JSEvaluateScript(ctx, src, nullptr, nullptr, 1, &exception);
  JSStringRelease(src);
  *threw = v == nullptr;
  if (v == nullptr) return 0;
  return JSValueToNumber(ctx, v, &exception);
}

}  // namespace vmi::bridge::jsc
