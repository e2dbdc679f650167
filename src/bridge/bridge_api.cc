// The C ABI of libvmi-bridge (bridge.h) over the Linker. Exceptions never
// cross it: each entry point catches everything and reports via dlerror.
#include "bridge/bridge.h"

#include <exception>

#include "bridge/android/asset_manager.h"
#include "bridge/android/native_window.h"
#include "bridge/dl_error.h"
#include "bridge/jni/jni_env.h"
#include "bridge/linker.h"
#include "bridge/properties.h"

using vmi::bridge::Linker;
using vmi::bridge::SetDlError;
using vmi::bridge::SharedObject;

namespace {

template <typename T, typename F>
T Guard(T failure, F&& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    SetDlError(std::string("internal error: ") + e.what());
  } catch (...) {
    SetDlError("internal error");
  }
  return failure;
}

}  // namespace

extern "C" void* bridge_dlopen(const char* filename, int flags) {
  return Guard<void*>(nullptr, [&]() -> void* {
    Linker& l = Linker::Instance();
    if (filename == nullptr) return l.GlobalHandle();
    if (flags & BRIDGE_RTLD_NOLOAD) {
      for (const std::string& n : l.LoadedNames()) {
        if (n == filename) return *l.Open(filename);
      }
      SetDlError(std::string(filename) + ": not loaded");
      return nullptr;
    }
    vmi::bridge::LoadOptions options;
    options.nodelete = (flags & BRIDGE_RTLD_NODELETE) != 0;
    auto r = l.Open(filename, options);
    if (!r.ok()) {
      SetDlError(r.error().ToString());
      return nullptr;
    }
    return *r;
  });
}

extern "C" void* bridge_dlsym(void* handle, const char* symbol) {
  return Guard<void*>(nullptr, [&]() -> void* {
    Linker& l = Linker::Instance();
    if (symbol == nullptr || !l.IsHandle(handle)) {
      SetDlError("bridge_dlsym: invalid handle or symbol");
      return nullptr;
    }
    uintptr_t a = l.Symbol(static_cast<SharedObject*>(handle), symbol);
    if (a == 0) {
      SetDlError(std::string("undefined symbol: ") + symbol);
      return nullptr;
    }
    return reinterpret_cast<void*>(a);
  });
}

extern "C" int bridge_dlclose(void* handle) {
  return Guard<int>(-1, [&]() -> int {
    auto r = Linker::Instance().Close(static_cast<SharedObject*>(handle));
    if (!r.ok()) {
      SetDlError(r.error().ToString());
      return -1;
    }
    return 0;
  });
}

extern "C" const char* bridge_dlerror(void) { return vmi::bridge::TakeDlError(); }

extern "C" int bridge_set_library_path(const char* path) {
  return Guard<int>(-1, [&]() -> int {
    Linker::Instance().SetSearchPath(path != nullptr ? path : "");
    return 0;
  });
}

extern "C" int bridge_set_properties_file(const char* path) {
  return Guard<int>(-1, [&]() -> int {
    auto r = vmi::bridge::PropertyStore::Instance().Load(path != nullptr ? path : "");
    if (!r.ok()) {
      SetDlError(r.error().ToString());
      return -1;
    }
    return 0;
  });
}

extern "C" int bridge_set_property(const char* name, const char* value) {
  return Guard<int>(-1, [&]() -> int {
    if (name == nullptr || value == nullptr) return -1;
    vmi::bridge::PropertyStore::Instance().Set(name, value);
    return 0;
  });
}

extern "C" void* bridge_jni_vm(void) { return vmi::bridge::jni::Vm(); }

extern "C" void* bridge_jni_env(void) { return vmi::bridge::jni::Env(); }

extern "C" int bridge_jni_onload(void* handle) {
  return Guard<int>(-1, [&]() -> int {
    Linker& l = Linker::Instance();
    if (!l.IsHandle(handle)) {
      SetDlError("bridge_jni_onload: invalid handle");
      return -1;
    }
    uintptr_t a = l.Symbol(static_cast<SharedObject*>(handle), "JNI_OnLoad");
    if (a == 0) return 0;
    jint v = reinterpret_cast<jint (*)(JavaVM*, void*)>(a)(vmi::bridge::jni::Vm(), nullptr);
    JNIEnv* env = vmi::bridge::jni::Env();
    if (env->ExceptionCheck()) {
      SetDlError("JNI_OnLoad left an exception pending: " + vmi::bridge::jni::PendingException(env));
      env->ExceptionClear();
      return -1;
    }
    if (v < 0) {
      SetDlError("JNI_OnLoad returned " + std::to_string(v));
      return -1;
    }
    return v;
  });
}

extern "C" void* bridge_jni_define_class(const char* name) {
  return Guard<void*>(nullptr, [&]() -> void* { return vmi::bridge::jni::DefineClass(name); });
}

extern "C" void* bridge_jni_find_native(void* handle, void* cls, const char* name, const char* sig) {
  return Guard<void*>(nullptr, [&]() -> void* {
    if (cls == nullptr || name == nullptr) return nullptr;
    if (sig != nullptr) {
      if (void* fn = vmi::bridge::jni::FindNative(static_cast<jclass>(cls), name, sig); fn != nullptr) return fn;
    }
    Linker& l = Linker::Instance();
    if (handle == nullptr || !l.IsHandle(handle)) return nullptr;
    // The JNI short name Java_<class>_<method>, then the long one with the
    // argument signature appended (what overloaded natives export), as the
    // Java VM looks them up.
    auto* so = static_cast<SharedObject*>(handle);
    const std::string class_name = vmi::bridge::jni::ClassName(static_cast<jclass>(cls));
    if (uintptr_t a = l.Symbol(so, vmi::bridge::jni::NativeName(class_name, name, nullptr).c_str()); a != 0) {
      return reinterpret_cast<void*>(a);
    }
    if (sig == nullptr) return nullptr;
    return reinterpret_cast<void*>(l.Symbol(so, vmi::bridge::jni::NativeName(class_name, name, sig).c_str()));
  });
}

extern "C" void* bridge_jni_define_method(void* cls, const char* name, const char* sig, int is_static, void* impl) {
  return Guard<void*>(nullptr, [&]() -> void* {
    if (cls == nullptr || name == nullptr || sig == nullptr || impl == nullptr) return nullptr;
    return vmi::bridge::jni::DefineMethod(static_cast<jclass>(cls), name, sig, is_static != 0,
                                          reinterpret_cast<vmi::bridge::jni::MethodImpl>(impl));
  });
}

extern "C" void* bridge_jni_define_field(void* cls, const char* name, const char* sig, int is_static) {
  return Guard<void*>(nullptr, [&]() -> void* {
    if (cls == nullptr || name == nullptr || sig == nullptr || *sig == 0) return nullptr;
    return vmi::bridge::jni::DefineField(static_cast<jclass>(cls), name, sig, is_static != 0);
  });
}

extern "C" void* bridge_asset_manager_open(const char* apk_or_dir) {
  return Guard<void*>(nullptr, [&]() -> void* {
    if (apk_or_dir == nullptr) {
      SetDlError("bridge_asset_manager_open: no path");
      return nullptr;
    }
    auto m = vmi::bridge::android::AssetManager::Open(apk_or_dir);
    if (!m.ok()) {
      SetDlError(m.error().ToString());
      return nullptr;
    }
    return std::move(*m).release();
  });
}

extern "C" void bridge_asset_manager_close(void* manager) {
  delete static_cast<vmi::bridge::android::AssetManager*>(manager);
}

extern "C" void* bridge_jni_asset_manager(void* manager) {
  return Guard<void*>(nullptr, [&]() -> void* {
    return manager != nullptr ? vmi::bridge::jni::NewPeer("android/content/res/AssetManager", manager) : nullptr;
  });
}

extern "C" void* bridge_native_window_create(int width, int height) {
  return Guard<void*>(nullptr, [&]() -> void* {
    if (width <= 0 || height <= 0) {
      SetDlError("bridge_native_window_create: width and height must be positive");
      return nullptr;
    }
    auto w = vmi::bridge::android::NativeWindow::Create(uint32_t(width), uint32_t(height));
    if (!w.ok()) {
      SetDlError(w.error().ToString());
      return nullptr;
    }
    return *w;
  });
}

extern "C" void bridge_native_window_release(void* window) {
  if (window != nullptr) static_cast<vmi::bridge::android::NativeWindow*>(window)->Release();
}

extern "C" int bridge_native_window_surface_fd(void* window) {
  return window != nullptr ? static_cast<vmi::bridge::android::NativeWindow*>(window)->surface_fd() : -1;
}

extern "C" int bridge_native_window_frame_fd(void* window) {
  return window != nullptr ? static_cast<vmi::bridge::android::NativeWindow*>(window)->frame_fd() : -1;
}

extern "C" void* bridge_jni_surface(void* window) {
  return Guard<void*>(nullptr, [&]() -> void* {
    return window != nullptr ? vmi::bridge::jni::NewPeer("android/view/Surface", window) : nullptr;
  });
}
