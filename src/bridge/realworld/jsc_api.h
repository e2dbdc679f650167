// The slice of the JavaScriptCore C API (JSBase.h, JSContextRef.h,
// JSStringRef.h, JSValueRef.h, JSObjectRef.h) the real-world tests and the
// benchmark call, resolved by name from a JSC library: the Android libjsc.so
// through the bridge, or Debian's libjavascriptcoregtk through glibc's dlsym.
// Declared here (not taken from the package's headers) because the package
// is fetched at test time; the functions are plain C with pointer arguments.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace vmi::bridge::jsc {

using Ctx = void*;
using Value = const void*;
using Str = void*;

struct Api {
  Ctx (*JSGlobalContextCreate)(void* global_class) = nullptr;
  void (*JSGlobalContextRelease)(Ctx) = nullptr;
  Str (*JSStringCreateWithUTF8CString)(const char*) = nullptr;
  void (*JSStringRelease)(Str) = nullptr;
  size_t (*JSStringGetMaximumUTF8CStringSize)(Str) = nullptr;
  size_t (*JSStringGetUTF8CString)(Str, char*, size_t) = nullptr;
  Value (*JSEvaluateScript)(Ctx, Str, void* this_object, Str url, int line, Value* exception) = nullptr;
  double (*JSValueToNumber)(Ctx, Value, Value* exception) = nullptr;
  Str (*JSValueToStringCopy)(Ctx, Value, Value* exception) = nullptr;
  void (*JSGarbageCollect)(Ctx) = nullptr;

  // Resolves every function with `lookup`; false if one is missing.
  bool Resolve(const std::function<void*(const char*)>& lookup);

  // Evaluates `script`; returns its result converted to a UTF-8 string, or
  // "EXCEPTION: <message>" when it threw.
  std::string EvalToString(Ctx ctx, const std::string& script) const;
  double EvalToNumber(Ctx ctx, const std::string& script, bool* threw) const;
  std::string ToUtf8(Str s) const;
};

}  // namespace vmi::bridge::jsc
