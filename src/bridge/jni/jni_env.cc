#include "bridge/jni/jni_env.h"

#include <array>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "base/log.h"

namespace vmi::bridge::jni {
namespace {

#include "bridge/jni/jni_slot_names.inc"

enum class Kind { kPlain, kClass, kString, kPrimitiveArray, kObjectArray, kByteBuffer, kThrowable, kBitmap, kPeer };

struct Method;

// A field a class defined from C++ declares (DefineField); its values live
// in each object's `fields` (static ones in the class object's).
struct Field {
  std::string name, sig;
  bool is_static = false;
  bool holds_object() const { return sig[0] == 'L' || sig[0] == '['; }
};

// Every jobject points at one of these (an empty _jobject base keeps the
// pointer conversions trivial).
struct Object : _jobject {
  ~Object();
  Kind kind = Kind::kPlain;
  struct ClassObj* cls = nullptr;
  int refs = 1;
  std::string text;                  // kString (UTF-8), kThrowable (message)
  std::vector<uint8_t> bytes;        // kPrimitiveArray
  size_t elem_size = 0;              // kPrimitiveArray
  size_t length = 0;                 // arrays
  std::vector<Object*> elements;     // kObjectArray
  void* address = nullptr;           // kByteBuffer, kPeer
  jlong capacity = 0;                // kByteBuffer
  std::unique_ptr<Bitmap> bitmap;    // kBitmap
  std::map<const Field*, jvalue> fields;  // objects held counted, released with this one
};

struct Method {
  std::string name, sig;
  bool is_static = false;
  MethodImpl impl = nullptr;
};

struct ClassObj : Object {
  std::string name;
  std::map<std::string, void*> natives;                    // name + sig
  std::map<std::string, std::unique_ptr<Method>> methods;  // name + sig
  std::map<std::string, std::unique_ptr<Field>> field_decls;  // name + sig
};

Object::~Object() {
  for (auto& [field, value] : fields) {
    Object* held = static_cast<Object*>(static_cast<_jobject*>(value.l));
    if (field->holds_object() && held != nullptr && held->kind != Kind::kClass && --held->refs == 0) delete held;
  }
}

std::recursive_mutex g_mu;
std::map<std::string, ClassObj*>& Classes() {
  static auto* m = new std::map<std::string, ClassObj*>();
  return *m;
}
thread_local Object* t_pending = nullptr;

Object* O(const void* o) { return static_cast<Object*>(const_cast<_jobject*>(static_cast<const _jobject*>(o))); }
template <typename T>
T As(Object* o) {
  return reinterpret_cast<T>(static_cast<_jobject*>(o));
}
ClassObj* C(const void* c) { return static_cast<ClassObj*>(O(c)); }

ClassObj* ClassNamed(const std::string& name) {
  std::lock_guard<std::recursive_mutex> lock(g_mu);
  auto it = Classes().find(name);
  if (it != Classes().end()) return it->second;
  auto* c = new ClassObj();
  c->kind = Kind::kClass;
  c->name = name;
  c->refs = 1 << 30;  // classes are never freed
  Classes()[name] = c;
  return c;
}

void Throw(const char* cls, const std::string& msg) {
  auto* t = new Object();
  t->kind = Kind::kThrowable;
  t->cls = ClassNamed(cls);
  t->text = msg;
  if (t_pending != nullptr && --t_pending->refs == 0) delete t_pending;
  t_pending = t;
}

void Unsupported(const char* call) {
  VMI_ILOG(ERROR, "bridge") << "JNI call " << call << " is not supported by the bridge's JNIEnv";
  Throw("java/lang/UnsupportedOperationException",
        std::string("JNI call ") + call + " is not supported by the bridge's JNIEnv");
}

template <size_t I>
intptr_t Stub(JNIEnv*) {
  Unsupported(kJniSlotNames[I]);
  return 0;
}
template <size_t... I>
constexpr std::array<void*, sizeof...(I)> MakeStubs(std::index_sequence<I...>) {
  return {reinterpret_cast<void*>(&Stub<I>)...};
}

// --- references, classes, exceptions --------------------------------------------
jint GetVersion(JNIEnv*) { return JNI_VERSION_1_6; }
jclass FindClass(JNIEnv*, const char* name) {
  std::lock_guard<std::recursive_mutex> lock(g_mu);
  auto it = Classes().find(name != nullptr ? name : "");
  if (it == Classes().end()) {
    Throw("java/lang/NoClassDefFoundError", name != nullptr ? name : "(null)");
    return nullptr;
  }
  return As<jclass>(it->second);
}
jclass GetSuperclass(JNIEnv*, jclass c) {
  return C(c)->name == "java/lang/Object" ? nullptr : As<jclass>(ClassNamed("java/lang/Object"));
}
jboolean IsAssignableFrom(JNIEnv*, jclass a, jclass b) {
  return a == b || C(b)->name == "java/lang/Object" ? JNI_TRUE : JNI_FALSE;
}
jint ThrowObj(JNIEnv*, jthrowable t) {
  ++O(t)->refs;
  if (t_pending != nullptr && --t_pending->refs == 0) delete t_pending;
  t_pending = O(t);
  return JNI_OK;
}
jint ThrowNew(JNIEnv*, jclass c, const char* msg) {
  Throw(C(c)->name.c_str(), msg != nullptr ? msg : "");
  return JNI_OK;
}
jthrowable ExceptionOccurred(JNIEnv*) {
  if (t_pending == nullptr) return nullptr;
  ++t_pending->refs;
  return As<jthrowable>(t_pending);
}
void ExceptionDescribe(JNIEnv*) {
  if (t_pending != nullptr) VMI_ILOG(WARN, "bridge") << "JNI exception " << t_pending->cls->name << ": " << t_pending->text;
}
void ExceptionClear(JNIEnv*) {
  if (t_pending != nullptr && --t_pending->refs == 0) delete t_pending;
  t_pending = nullptr;
}
jboolean ExceptionCheck(JNIEnv*) { return t_pending != nullptr ? JNI_TRUE : JNI_FALSE; }
[[noreturn]] void FatalError(JNIEnv*, const char* msg) {
  VMI_ILOG(ERROR, "bridge") << "JNI FatalError: " << (msg != nullptr ? msg : "");
  abort();
}
jint PushLocalFrame(JNIEnv*, jint) { return JNI_OK; }
jobject PopLocalFrame(JNIEnv*, jobject result) { return result; }
jint EnsureLocalCapacity(JNIEnv*, jint) { return JNI_OK; }
jobject NewRef(JNIEnv*, jobject o) {
  if (o == nullptr) return nullptr;
  std::lock_guard<std::recursive_mutex> lock(g_mu);
  ++O(o)->refs;
  return o;
}
void DeleteRef(JNIEnv*, jobject o) {
  if (o == nullptr) return;
  std::lock_guard<std::recursive_mutex> lock(g_mu);
  Object* obj = O(o);
  if (obj->kind != Kind::kClass && --obj->refs == 0) delete obj;
}
jobjectRefType GetObjectRefType(JNIEnv*, jobject o) { return o == nullptr ? JNIInvalidRefType : JNILocalRefType; }
jboolean IsSameObject(JNIEnv*, jobject a, jobject b) { return a == b ? JNI_TRUE : JNI_FALSE; }
jclass GetObjectClass(JNIEnv*, jobject o) { return As<jclass>(O(o)->cls); }
jboolean IsInstanceOf(JNIEnv*, jobject o, jclass c) {
  return o == nullptr || O(o)->cls == C(c) || C(c)->name == "java/lang/Object" ? JNI_TRUE : JNI_FALSE;
}
jint RegisterNatives(JNIEnv*, jclass c, const JNINativeMethod* m, jint n) {
  std::lock_guard<std::recursive_mutex> lock(g_mu);
  for (jint i = 0; i < n; ++i) C(c)->natives[std::string(m[i].name) + m[i].signature] = m[i].fnPtr;
  return JNI_OK;
}
jint UnregisterNatives(JNIEnv*, jclass c) {
  std::lock_guard<std::recursive_mutex> lock(g_mu);
  C(c)->natives.clear();
  return JNI_OK;
}
jint MonitorEnter(JNIEnv*, jobject) {
  g_mu.lock();
  return JNI_OK;
}
jint MonitorExit(JNIEnv*, jobject) {
  g_mu.unlock();
  return JNI_OK;
}
jint GetJavaVM(JNIEnv*, JavaVM** vm) {
  *vm = Vm();
  return JNI_OK;
}

// --- methods of classes defined from C++ -------------------------------------
jmethodID GetMethod(jclass c, const char* name, const char* sig, bool is_static) {
  std::lock_guard<std::recursive_mutex> lock(g_mu);
  auto it = C(c)->methods.find(std::string(name) + sig);
  if (it == C(c)->methods.end() || it->second->is_static != is_static) {
    Throw("java/lang/NoSuchMethodError", C(c)->name + "." + name + sig);
    return nullptr;
  }
  return reinterpret_cast<jmethodID>(it->second.get());
}
jmethodID GetMethodID(JNIEnv*, jclass c, const char* n, const char* s) { return GetMethod(c, n, s, false); }
jmethodID GetStaticMethodID(JNIEnv*, jclass c, const char* n, const char* s) { return GetMethod(c, n, s, true); }

std::vector<jvalue> ArgsFromVa(const Method* m, va_list ap) {
  std::vector<jvalue> args;
  const char* p = m->sig.c_str();
  if (*p == '(') ++p;
  while (*p != 0 && *p != ')') {
    jvalue v{};
    bool array = false;
    while (*p == '[') {
      array = true;
      ++p;
    }
    char t = *p;
    if (t == 'L') {
      while (*p != 0 && *p != ';') ++p;
    }
    if (*p != 0) ++p;
    if (array || t == 'L') v.l = va_arg(ap, jobject);
    else if (t == 'J') v.j = va_arg(ap, jlong);
    else if (t == 'F') v.f = static_cast<jfloat>(va_arg(ap, double));
    else if (t == 'D') v.d = va_arg(ap, double);
    else v.i = va_arg(ap, jint);  // Z B C S I are promoted to int
    args.push_back(v);
  }
  return args;
}

jvalue Invoke(JNIEnv* env, jobject self, jmethodID mid, const jvalue* args) {
  if (mid == nullptr) {
    Throw("java/lang/NullPointerException", "null jmethodID");
    return jvalue{};
  }
  return reinterpret_cast<Method*>(mid)->impl(env, self, args);
}

template <typename R>
R Conv(jvalue v) {
  if constexpr (std::is_same_v<R, void>) return;
  else if constexpr (std::is_same_v<R, jobject>) return v.l;
  else if constexpr (std::is_same_v<R, jboolean>) return v.z;
  else if constexpr (std::is_same_v<R, jbyte>) return v.b;
  else if constexpr (std::is_same_v<R, jchar>) return v.c;
  else if constexpr (std::is_same_v<R, jshort>) return v.s;
  else if constexpr (std::is_same_v<R, jint>) return v.i;
  else if constexpr (std::is_same_v<R, jlong>) return v.j;
  else if constexpr (std::is_same_v<R, jfloat>) return v.f;
  else return v.d;
}
template <typename R>
R CallA(JNIEnv* e, jobject o, jmethodID m, const jvalue* a) { return Conv<R>(Invoke(e, o, m, a)); }
template <typename R>
R CallV(JNIEnv* e, jobject o, jmethodID m, va_list ap) {
  std::vector<jvalue> args = m != nullptr ? ArgsFromVa(reinterpret_cast<Method*>(m), ap) : std::vector<jvalue>{};
  return Conv<R>(Invoke(e, o, m, args.data()));
}
template <typename R>
R Call(JNIEnv* e, jobject o, jmethodID m, ...) {
  va_list ap;
  va_start(ap, m);
  if constexpr (std::is_same_v<R, void>) {
    CallV<void>(e, o, m, ap);
    va_end(ap);
  } else {
    R r = CallV<R>(e, o, m, ap);
    va_end(ap);
    return r;
  }
}
template <typename R>
R NvA(JNIEnv* e, jobject o, jclass, jmethodID m, const jvalue* a) { return CallA<R>(e, o, m, a); }
template <typename R>
R NvV(JNIEnv* e, jobject o, jclass, jmethodID m, va_list ap) { return CallV<R>(e, o, m, ap); }
template <typename R>
R Nv(JNIEnv* e, jobject o, jclass, jmethodID m, ...) {
  va_list ap;
  va_start(ap, m);
  if constexpr (std::is_same_v<R, void>) {
    CallV<void>(e, o, m, ap);
    va_end(ap);
  } else {
    R r = CallV<R>(e, o, m, ap);
    va_end(ap);
    return r;
  }
}

// --- fields and objects of classes defined from C++ ------------------------------
jfieldID GetField(jclass c, const char* name, const char* sig, bool is_static) {
  std::lock_guard<std::recursive_mutex> lock(g_mu);
  auto it = C(c)->field_decls.find(std::string(name) + sig);
  if (it == C(c)->field_decls.end() || it->second->is_static != is_static) {
    Throw("java/lang/NoSuchFieldError", C(c)->name + "." + name + " " + sig);
    return nullptr;
  }
  return reinterpret_cast<jfieldID>(it->second.get());
}
jfieldID GetFieldID(JNIEnv*, jclass c, const char* n, const char* s) { return GetField(c, n, s, false); }
jfieldID GetStaticFieldID(JNIEnv*, jclass c, const char* n, const char* s) { return GetField(c, n, s, true); }

// The value slot of `f` in `o` (a class object for static fields), or
// nullptr with a pending exception.
jvalue* Slot(jobject o, jfieldID f) {
  if (o == nullptr || f == nullptr) {
    Throw("java/lang/NullPointerException", o == nullptr ? "field access on null" : "null jfieldID");
    return nullptr;
  }
  return &O(o)->fields[reinterpret_cast<const Field*>(f)];
}
template <typename R>
jvalue Make(R v) {
  jvalue j{};
  if constexpr (std::is_same_v<R, jobject>) j.l = v;
  else if constexpr (std::is_same_v<R, jboolean>) j.z = v;
  else if constexpr (std::is_same_v<R, jbyte>) j.b = v;
  else if constexpr (std::is_same_v<R, jchar>) j.c = v;
  else if constexpr (std::is_same_v<R, jshort>) j.s = v;
  else if constexpr (std::is_same_v<R, jint>) j.i = v;
  else if constexpr (std::is_same_v<R, jlong>) j.j = v;
  else if constexpr (std::is_same_v<R, jfloat>) j.f = v;
  else j.d = v;
  return j;
}
template <typename R>
R GetValue(JNIEnv* e, jobject o, jfieldID f) {
  std::lock_guard<std::recursive_mutex> lock(g_mu);
  jvalue* slot = Slot(o, f);
  if (slot == nullptr) return R{};
  if constexpr (std::is_same_v<R, jobject>) return NewRef(e, slot->l);  // a new local reference
  else return Conv<R>(*slot);
}
template <typename R>
void SetValue(JNIEnv* e, jobject o, jfieldID f, R v) {
  std::lock_guard<std::recursive_mutex> lock(g_mu);
  jvalue* slot = Slot(o, f);
  if (slot == nullptr) return;
  if constexpr (std::is_same_v<R, jobject>) {
    jobject old = slot->l;
    slot->l = NewRef(e, v);
    DeleteRef(e, old);
  } else {
    *slot = Make<R>(v);
  }
}

jobject AllocObject(JNIEnv*, jclass c) {
  if (c == nullptr) {
    Throw("java/lang/NullPointerException", "AllocObject of a null class");
    return nullptr;
  }
  auto* o = new Object();
  o->cls = C(c);
  return As<jobject>(o);
}
// NewObject: AllocObject, then the constructor (a "<init>" the host defined)
// runs on it; when the constructor throws, the object is dropped.
jobject Construct(JNIEnv* e, jclass c, jmethodID m, const jvalue* args) {
  if (m == nullptr || reinterpret_cast<Method*>(m)->name != "<init>") {
    Throw("java/lang/IllegalArgumentException", "NewObject needs a constructor's jmethodID");
    return nullptr;
  }
  jobject o = AllocObject(e, c);
  if (o == nullptr) return nullptr;
  Invoke(e, o, m, args);
  if (t_pending != nullptr) {
    DeleteRef(e, o);
    return nullptr;
  }
  return o;
}
jobject NewObjectA(JNIEnv* e, jclass c, jmethodID m, const jvalue* a) { return Construct(e, c, m, a); }
jobject NewObjectV(JNIEnv* e, jclass c, jmethodID m, va_list ap) {
  std::vector<jvalue> args = m != nullptr ? ArgsFromVa(reinterpret_cast<Method*>(m), ap) : std::vector<jvalue>{};
  return Construct(e, c, m, args.data());
}
jobject NewObject(JNIEnv* e, jclass c, jmethodID m, ...) {
  va_list ap;
  va_start(ap, m);
  jobject o = NewObjectV(e, c, m, ap);
  va_end(ap);
  return o;
}

// --- strings ---------------------------------------------------------------------------
jstring NewStringUTF(JNIEnv*, const char* s) {
  auto* o = new Object();
  o->kind = Kind::kString;
  o->cls = ClassNamed("java/lang/String");
  o->text = s != nullptr ? s : "";
  return As<jstring>(o);
}
std::u16string ToUtf16(const std::string& s) {
  std::u16string out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    uint32_t cp = c;
    size_t n = 1;
    if (c >= 0xf0) n = 4, cp = c & 0x07;
    else if (c >= 0xe0) n = 3, cp = c & 0x0f;
    else if (c >= 0xc0) n = 2, cp = c & 0x1f;
    for (size_t k = 1; k < n && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    i += n;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xd800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xdc00 + (cp & 0x3ff)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}
std::string FromUtf16(const jchar* s, jsize n) {
  std::string out;
  for (jsize i = 0; i < n; ++i) {
    uint32_t cp = s[i];
    if (cp >= 0xd800 && cp < 0xdc00 && i + 1 < n) cp = 0x10000 + ((cp - 0xd800) << 10) + (s[++i] - 0xdc00);
    if (cp < 0x80) out += static_cast<char>(cp);
    else if (cp < 0x800) out += {static_cast<char>(0xc0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3f))};
    else if (cp < 0x10000) {
      out += {static_cast<char>(0xe0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3f)),
              static_cast<char>(0x80 | (cp & 0x3f))};
    } else {
      out += {static_cast<char>(0xf0 | (cp >> 18)), static_cast<char>(0x80 | ((cp >> 12) & 0x3f)),
              static_cast<char>(0x80 | ((cp >> 6) & 0x3f)), static_cast<char>(0x80 | (cp & 0x3f))};
    }
  }
  return out;
}
jstring NewString(JNIEnv* e, const jchar* s, jsize n) { return NewStringUTF(e, FromUtf16(s, n).c_str()); }
jsize GetStringUTFLength(JNIEnv*, jstring s) { return static_cast<jsize>(O(s)->text.size()); }
const char* GetStringUTFChars(JNIEnv*, jstring s, jboolean* copy) {
  if (copy != nullptr) *copy = JNI_TRUE;
  return strdup(O(s)->text.c_str());
}
void ReleaseStringUTFChars(JNIEnv*, jstring, const char* chars) { free(const_cast<char*>(chars)); }
jsize GetStringLength(JNIEnv*, jstring s) { return static_cast<jsize>(ToUtf16(O(s)->text).size()); }
const jchar* GetStringChars(JNIEnv*, jstring s, jboolean* copy) {
  if (copy != nullptr) *copy = JNI_TRUE;
  std::u16string u = ToUtf16(O(s)->text);
  auto* out = static_cast<jchar*>(malloc((u.size() + 1) * sizeof(jchar)));
  memcpy(out, u.data(), u.size() * sizeof(jchar));
  out[u.size()] = 0;
  return out;
}
void ReleaseStringChars(JNIEnv*, jstring, const jchar* chars) { free(const_cast<jchar*>(chars)); }
void GetStringRegion(JNIEnv*, jstring s, jsize start, jsize len, jchar* buf) {
  std::u16string u = ToUtf16(O(s)->text);
  if (start < 0 || len < 0 || static_cast<size_t>(start) + static_cast<size_t>(len) > u.size()) {
    Throw("java/lang/StringIndexOutOfBoundsException", "region out of bounds");
    return;
  }
  memcpy(buf, u.data() + start, static_cast<size_t>(len) * sizeof(jchar));
}
void GetStringUTFRegion(JNIEnv* e, jstring s, jsize start, jsize len, char* buf) {
  std::vector<jchar> tmp(static_cast<size_t>(len > 0 ? len : 0));
  GetStringRegion(e, s, start, len, tmp.data());
  if (t_pending == nullptr) strcpy(buf, FromUtf16(tmp.data(), len).c_str());
}

// --- arrays -------------------------------------------------------------------------
template <typename T>
jarray NewArray(JNIEnv*, jsize n) {
  if (n < 0) {
    Throw("java/lang/NegativeArraySizeException", std::to_string(n));
    return nullptr;
  }
  auto* o = new Object();
  o->kind = Kind::kPrimitiveArray;
  o->cls = ClassNamed("[primitive");
  o->elem_size = sizeof(T);
  o->length = static_cast<size_t>(n);
  o->bytes.assign(o->length * sizeof(T), 0);
  return As<jarray>(o);
}
jsize GetArrayLength(JNIEnv*, jarray a) { return static_cast<jsize>(O(a)->length); }
void* GetElements(JNIEnv*, jarray a, jboolean* copy) {
  if (copy != nullptr) *copy = JNI_FALSE;
  return O(a)->bytes.data();
}
void ReleaseElements(JNIEnv*, jarray, void*, jint) {}
bool InRange(Object* a, jsize start, jsize len) {
  if (start < 0 || len < 0 || static_cast<size_t>(start) + static_cast<size_t>(len) > a->length) {
    Throw("java/lang/ArrayIndexOutOfBoundsException",
          "[" + std::to_string(start) + ", +" + std::to_string(len) + ") of " + std::to_string(a->length));
    return false;
  }
  return true;
}
void GetRegion(JNIEnv*, jarray a, jsize start, jsize len, void* buf) {
  Object* o = O(a);
  if (InRange(o, start, len)) memcpy(buf, o->bytes.data() + start * o->elem_size, len * o->elem_size);
}
void SetRegion(JNIEnv*, jarray a, jsize start, jsize len, const void* buf) {
  Object* o = O(a);
  if (InRange(o, start, len)) memcpy(o->bytes.data() + start * o->elem_size, buf, len * o->elem_size);
}
jobjectArray NewObjectArray(JNIEnv* e, jsize n, jclass, jobject init) {
  if (n < 0) {
    Throw("java/lang/NegativeArraySizeException", std::to_string(n));
    return nullptr;
  }
  auto* o = new Object();
  o->kind = Kind::kObjectArray;
  o->cls = ClassNamed("[object");
  o->length = static_cast<size_t>(n);
  o->elements.assign(o->length, nullptr);
  for (Object*& el : o->elements) el = init != nullptr ? O(NewRef(e, init)) : nullptr;
  return As<jobjectArray>(o);
}
jobject GetObjectArrayElement(JNIEnv* e, jobjectArray a, jsize i) {
  if (!InRange(O(a), i, 1)) return nullptr;
  Object* el = O(a)->elements[static_cast<size_t>(i)];
  return el != nullptr ? NewRef(e, As<jobject>(el)) : nullptr;
}
void SetObjectArrayElement(JNIEnv* e, jobjectArray a, jsize i, jobject v) {
  if (!InRange(O(a), i, 1)) return;
  Object*& slot = O(a)->elements[static_cast<size_t>(i)];
  if (slot != nullptr) DeleteRef(e, As<jobject>(slot));
  slot = v != nullptr ? O(NewRef(e, v)) : nullptr;
}

// --- direct byte buffers ------------------------------------------------------------
jobject NewDirectByteBuffer(JNIEnv*, void* address, jlong capacity) {
  auto* o = new Object();
  o->kind = Kind::kByteBuffer;
  o->cls = ClassNamed("java/nio/DirectByteBuffer");
  o->address = address;
  o->capacity = capacity;
  return As<jobject>(o);
}
size_t BytesPerPixel(int32_t format) {
  switch (format) {
    case 1: case 10: return 4;  // RGBA_8888, RGBA_1010102
    case 4: case 7: return 2;   // RGB_565, RGBA_4444
    case 8: return 1;           // A_8
    case 9: return 8;           // RGBA_F16
    default: return 0;
  }
}

void* GetDirectBufferAddress(JNIEnv*, jobject b) {
  return b != nullptr && O(b)->kind == Kind::kByteBuffer ? O(b)->address : nullptr;
}
jlong GetDirectBufferCapacity(JNIEnv*, jobject b) {
  return b != nullptr && O(b)->kind == Kind::kByteBuffer ? O(b)->capacity : -1;
}

#define VMI_JNI(name, fn) {name, reinterpret_cast<void*>(fn)}
#define VMI_JNI_CALLS(T, R)                                                              \
  VMI_JNI("Call" T "Method", Call<R>), VMI_JNI("Call" T "MethodV", CallV<R>),            \
      VMI_JNI("Call" T "MethodA", CallA<R>), VMI_JNI("CallNonvirtual" T "Method", Nv<R>), \
      VMI_JNI("CallNonvirtual" T "MethodV", NvV<R>), VMI_JNI("CallNonvirtual" T "MethodA", NvA<R>), \
      VMI_JNI("CallStatic" T "Method", Call<R>), VMI_JNI("CallStatic" T "MethodV", CallV<R>), \
      VMI_JNI("CallStatic" T "MethodA", CallA<R>)
#define VMI_JNI_FIELDS(T, R)                                                                      \
  VMI_JNI("Get" T "Field", GetValue<R>), VMI_JNI("Set" T "Field", SetValue<R>),                        \
      VMI_JNI("GetStatic" T "Field", GetValue<R>), VMI_JNI("SetStatic" T "Field", SetValue<R>)
#define VMI_JNI_ARRAYS(T, C)                                                                       \
  VMI_JNI("New" T "Array", NewArray<C>), VMI_JNI("Get" T "ArrayElements", GetElements),            \
      VMI_JNI("Release" T "ArrayElements", ReleaseElements), VMI_JNI("Get" T "ArrayRegion", GetRegion), \
      VMI_JNI("Set" T "ArrayRegion", SetRegion)

const std::pair<const char*, void*> kImplemented[] = {
    VMI_JNI("GetVersion", GetVersion),
    VMI_JNI("FindClass", FindClass),
    VMI_JNI("GetSuperclass", GetSuperclass),
    VMI_JNI("IsAssignableFrom", IsAssignableFrom),
    VMI_JNI("Throw", ThrowObj),
    VMI_JNI("ThrowNew", ThrowNew),
    VMI_JNI("ExceptionOccurred", ExceptionOccurred),
    VMI_JNI("ExceptionDescribe", ExceptionDescribe),
    VMI_JNI("ExceptionClear", ExceptionClear),
    VMI_JNI("ExceptionCheck", ExceptionCheck),
    VMI_JNI("FatalError", FatalError),
    VMI_JNI("PushLocalFrame", PushLocalFrame),
    VMI_JNI("PopLocalFrame", PopLocalFrame),
    VMI_JNI("EnsureLocalCapacity", EnsureLocalCapacity),
    VMI_JNI("NewGlobalRef", NewRef),
    VMI_JNI("DeleteGlobalRef", DeleteRef),
    VMI_JNI("NewLocalRef", NewRef),
    VMI_JNI("DeleteLocalRef", DeleteRef),
    VMI_JNI("NewWeakGlobalRef", NewRef),
    VMI_JNI("DeleteWeakGlobalRef", DeleteRef),
    VMI_JNI("GetObjectRefType", GetObjectRefType),
    VMI_JNI("IsSameObject", IsSameObject),
    VMI_JNI("GetObjectClass", GetObjectClass),
    VMI_JNI("IsInstanceOf", IsInstanceOf),
    VMI_JNI("RegisterNatives", RegisterNatives),
    VMI_JNI("UnregisterNatives", UnregisterNatives),
    VMI_JNI("MonitorEnter", MonitorEnter),
    VMI_JNI("MonitorExit", MonitorExit),
    VMI_JNI("GetJavaVM", GetJavaVM),
    VMI_JNI("GetMethodID", GetMethodID),
    VMI_JNI("GetStaticMethodID", GetStaticMethodID),
    VMI_JNI_CALLS("Object", jobject),
    VMI_JNI_CALLS("Boolean", jboolean),
    VMI_JNI_CALLS("Byte", jbyte),
    VMI_JNI_CALLS("Char", jchar),
    VMI_JNI_CALLS("Short", jshort),
    VMI_JNI_CALLS("Int", jint),
    VMI_JNI_CALLS("Long", jlong),
    VMI_JNI_CALLS("Float", jfloat),
    VMI_JNI_CALLS("Double", jdouble),
    VMI_JNI_CALLS("Void", void),
    VMI_JNI("GetFieldID", GetFieldID),
    VMI_JNI("GetStaticFieldID", GetStaticFieldID),
    VMI_JNI_FIELDS("Object", jobject),
    VMI_JNI_FIELDS("Boolean", jboolean),
    VMI_JNI_FIELDS("Byte", jbyte),
    VMI_JNI_FIELDS("Char", jchar),
    VMI_JNI_FIELDS("Short", jshort),
    VMI_JNI_FIELDS("Int", jint),
    VMI_JNI_FIELDS("Long", jlong),
    VMI_JNI_FIELDS("Float", jfloat),
    VMI_JNI_FIELDS("Double", jdouble),
    VMI_JNI("AllocObject", AllocObject),
    VMI_JNI("NewObject", NewObject),
    VMI_JNI("NewObjectV", NewObjectV),
    VMI_JNI("NewObjectA", NewObjectA),
    VMI_JNI("NewString", NewString),
    VMI_JNI("GetStringLength", GetStringLength),
    VMI_JNI("GetStringChars", GetStringChars),
    VMI_JNI("ReleaseStringChars", ReleaseStringChars),
    VMI_JNI("NewStringUTF", NewStringUTF),
    VMI_JNI("GetStringUTFLength", GetStringUTFLength),
    VMI_JNI("GetStringUTFChars", GetStringUTFChars),
    VMI_JNI("ReleaseStringUTFChars", ReleaseStringUTFChars),
    VMI_JNI("GetStringRegion", GetStringRegion),
    VMI_JNI("GetStringUTFRegion", GetStringUTFRegion),
    VMI_JNI("GetStringCritical", GetStringChars),
    VMI_JNI("ReleaseStringCritical", ReleaseStringChars),
    VMI_JNI("GetArrayLength", GetArrayLength),
    VMI_JNI("NewObjectArray", NewObjectArray),
    VMI_JNI("GetObjectArrayElement", GetObjectArrayElement),
    VMI_JNI("SetObjectArrayElement", SetObjectArrayElement),
    VMI_JNI_ARRAYS("Boolean", jboolean),
    VMI_JNI_ARRAYS("Byte", jbyte),
    VMI_JNI_ARRAYS("Char", jchar),
    VMI_JNI_ARRAYS("Short", jshort),
    VMI_JNI_ARRAYS("Int", jint),
    VMI_JNI_ARRAYS("Long", jlong),
    VMI_JNI_ARRAYS("Float", jfloat),
    VMI_JNI_ARRAYS("Double", jdouble),
    VMI_JNI("GetPrimitiveArrayCritical", GetElements),
    VMI_JNI("ReleasePrimitiveArrayCritical", ReleaseElements),
    VMI_JNI("NewDirectByteBuffer", NewDirectByteBuffer),
    VMI_JNI("GetDirectBufferAddress", GetDirectBufferAddress),
    VMI_JNI("GetDirectBufferCapacity", GetDirectBufferCapacity),
};

const JNINativeInterface* Table() {
  static const JNINativeInterface* table = [] {
    static_assert(sizeof(JNINativeInterface) == kJniSlotCount * sizeof(void*));
    auto* t = new JNINativeInterface();
    void** slots = reinterpret_cast<void**>(t);
    static const auto stubs = MakeStubs(std::make_index_sequence<kJniSlotCount>());
    for (size_t i = 4; i < kJniSlotCount; ++i) slots[i] = stubs[i];  // 0..3 are reserved
    for (const auto& [name, fn] : kImplemented) {
      for (size_t i = 0; i < kJniSlotCount; ++i) {
        if (strcmp(kJniSlotNames[i], name) == 0) slots[i] = fn;
      }
    }
    for (const char* n : {"java/lang/Object", "java/lang/String", "java/lang/Class", "java/lang/Throwable",
                          "java/lang/RuntimeException", "java/lang/IllegalArgumentException",
                          "java/lang/IllegalStateException", "java/lang/NullPointerException",
                          "java/lang/OutOfMemoryError", "java/lang/UnsupportedOperationException",
                          "java/io/IOException"}) {
      ClassNamed(n);
    }
    return t;
  }();
  return table;
}

// --- JavaVM --------------------------------------------------------------------------
jint DestroyJavaVM(JavaVM*) { return JNI_ERR; }
jint Attach(JavaVM*, JNIEnv** env, void*) {
  *env = Env();
  return JNI_OK;
}
jint Detach(JavaVM*) { return JNI_OK; }
jint VmGetEnv(JavaVM*, void** env, jint version) {
  if (version > JNI_VERSION_1_6 || version < JNI_VERSION_1_1) {
    *env = nullptr;
    return JNI_EVERSION;
  }
  *env = Env();
  return JNI_OK;
}

}  // namespace

JavaVM* Vm() {
  static JNIInvokeInterface invoke = [] {
    JNIInvokeInterface i{};
    i.DestroyJavaVM = DestroyJavaVM;
    i.AttachCurrentThread = Attach;
    i.DetachCurrentThread = Detach;
    i.GetEnv = VmGetEnv;
    i.AttachCurrentThreadAsDaemon = Attach;
    return i;
  }();
  static JavaVM vm{&invoke};
  return &vm;
}

JNIEnv* Env() {
  thread_local JNIEnv env{Table()};
  return &env;
}

jclass DefineClass(const char* name) { return As<jclass>(ClassNamed(name)); }

jobject NewBitmap(uint32_t width, uint32_t height, int32_t format) {
  const size_t bpp = BytesPerPixel(format);
  if (bpp == 0 || width == 0 || height == 0 || width > (1u << 16) || height > (1u << 16)) return nullptr;
  auto bitmap = std::make_unique<Bitmap>();
  bitmap->width = width;
  bitmap->height = height;
  bitmap->stride = static_cast<uint32_t>(width * bpp);
  bitmap->format = format;
  bitmap->pixels.assign(size_t(bitmap->stride) * height, 0);
  auto* o = new Object();
  o->kind = Kind::kBitmap;
  o->cls = ClassNamed("android/graphics/Bitmap");
  o->bitmap = std::move(bitmap);
  return As<jobject>(o);
}

Bitmap* BitmapOf(jobject obj) {
  return obj != nullptr && O(obj)->kind == Kind::kBitmap ? O(obj)->bitmap.get() : nullptr;
}

jobject NewPeer(const char* class_name, void* peer) {
  auto* o = new Object();
  o->kind = Kind::kPeer;
  o->cls = ClassNamed(class_name);
  o->address = peer;
  return As<jobject>(o);
}

void* PeerOf(jobject obj, const char* class_name) {
  if (obj == nullptr || O(obj)->kind != Kind::kPeer || O(obj)->cls->name != class_name) return nullptr;
  return O(obj)->address;
}

jmethodID DefineMethod(jclass cls, const char* name, const char* sig, bool is_static, MethodImpl impl) {
  std::lock_guard<std::recursive_mutex> lock(g_mu);
  auto m = std::make_unique<Method>();
  m->name = name;
  m->sig = sig;
  m->is_static = is_static;
  m->impl = impl;
  jmethodID id = reinterpret_cast<jmethodID>(m.get());
  C(cls)->methods[std::string(name) + sig] = std::move(m);
  return id;
}

jfieldID DefineField(jclass cls, const char* name, const char* sig, bool is_static) {
  std::lock_guard<std::recursive_mutex> lock(g_mu);
  auto& slot = C(cls)->field_decls[std::string(name) + sig];
  if (slot == nullptr) {
    slot = std::make_unique<Field>();
    slot->name = name;
    slot->sig = sig;
    slot->is_static = is_static;
  }
  return reinterpret_cast<jfieldID>(slot.get());
}

void* FindNative(jclass cls, const char* name, const char* sig) {
  std::lock_guard<std::recursive_mutex> lock(g_mu);
  auto it = C(cls)->natives.find(std::string(name) + sig);
  return it == C(cls)->natives.end() ? nullptr : it->second;
}

std::string ClassName(jclass cls) { return C(cls)->name; }

std::string NativeName(const std::string& class_name, const std::string& method, const char* sig) {
  auto mangle = [](const std::string& utf8) {
    std::string out;
    for (char16_t u : ToUtf16(utf8)) {
      if (u < 0x80 && isalnum(static_cast<int>(u))) out += static_cast<char>(u);
      else if (u == '/') out += '_';
      else if (u == '_') out += "_1";
      else if (u == ';') out += "_2";
      else if (u == '[') out += "_3";
      else {
        char hex[8];
        snprintf(hex, sizeof hex, "_0%04x", static_cast<unsigned>(u));
        out += hex;
      }
    }
    return out;
  };
  std::string name = "Java_" + mangle(class_name) + "_" + mangle(method);
  if (sig != nullptr) {
    std::string args(sig);
    size_t open = args.find('('), close = args.find(')');
    args = open == std::string::npos || close == std::string::npos ? "" : args.substr(open + 1, close - open - 1);
    name += "__" + mangle(args);
  }
  return name;
}

std::string PendingException(JNIEnv*) {
  if (t_pending == nullptr) return "";
  return t_pending->cls->name + ": " + t_pending->text;
}

}  // namespace vmi::bridge::jni
