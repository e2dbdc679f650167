// An embedded JavaVM/JNIEnv for bridged libraries, without a Java VM: no
// bytecode runs. A native object model backs what native code does with
// JNI on its own: strings, primitive and object arrays, direct byte
// buffers, local/global/weak references, exceptions, RegisterNatives, and
// classes, methods and fields the host program defines from C++ (DefineClass,
// DefineMethod, DefineField), which FindClass/GetMethodID/Call*Method,
// GetFieldID/Get*Field/Set*Field and AllocObject/NewObject then reach.
//
// Every other JNI function logs "JNI call <Name> is not supported by the
// bridge's JNIEnv" and leaves a pending java/lang/UnsupportedOperationException
// whose message names the call (ExceptionCheck sees it), returning 0/NULL.
//
// References are the objects themselves, counted: creating an object or a
// local/global reference adds one, Delete*Ref removes one, the last removes
// the object. Nothing is collected otherwise (there is no GC), so a local
// reference native code never deletes lives until the process ends. Classes
// live forever. One JNIEnv per thread (GetEnv/AttachCurrentThread); objects
// may be shared between threads, each call is serialised on one mutex.
#pragma once

#include <jni.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace vmi::bridge::jni {

JavaVM* Vm();
// The calling thread's JNIEnv.
JNIEnv* Env();

// A class known to FindClass ("com/example/Foo"); returns the existing one
// when already defined.
jclass DefineClass(const char* name);
// A method of a class defined from C++: `impl` receives the receiver (or the
// class for static methods) and the arguments as jvalues; its result is
// returned by Call<Type>Method*. `sig` is a JNI signature, "(ILjava/lang/String;)I".
using MethodImpl = jvalue (*)(JNIEnv* env, jobject self, const jvalue* args);
jmethodID DefineMethod(jclass cls, const char* name, const char* sig, bool is_static, MethodImpl impl);
// A field of a class defined from C++ ("result", "I"); every object of the
// class (the class itself when static) has it, zero/null until set. An
// object held by a field is kept alive by it. A constructor is a method
// named "<init>" returning void: NewObject allocates the object and runs it.
jfieldID DefineField(jclass cls, const char* name, const char* sig, bool is_static);
// The function RegisterNatives bound to name+sig in `cls`, or nullptr.
void* FindNative(jclass cls, const char* name, const char* sig);
// The exported name of a native method as the JNI specification mangles it:
// Java_<class>_<method> (the short name, `sig` null) or, with `sig`
// "(ILjava/lang/String;)J", the long name with "__<mangled arguments>"
// appended. '/' becomes '_', '_' "_1", ';' "_2", '[' "_3", other non-
// alphanumeric characters "_0xxxx" (their UTF-16 code unit in hex).
std::string NativeName(const std::string& class_name, const std::string& method, const char* sig);
// The class's name ("com/example/Foo").
std::string ClassName(jclass cls);
// An android.graphics.Bitmap, for libjnigraphics.so: width x height pixels
// of an AndroidBitmapFormat (1 RGBA_8888, 4 RGB_565, 7 RGBA_4444, 8 A_8,
// 9 RGBA_F16, 10 RGBA_1010102), rows `stride` bytes apart, owned by the
// object (zero-filled). `locks` counts AndroidBitmap_lockPixels not yet
// unlocked. The host program reads and writes `pixels` directly.
struct Bitmap {
  uint32_t width = 0, height = 0, stride = 0;
  int32_t format = 0;
  std::vector<uint8_t> pixels;
  std::atomic<int> locks{0};
};
// A new local reference to a bitmap, or nullptr for an unknown format or a
// zero or overflowing size.
jobject NewBitmap(uint32_t width, uint32_t height, int32_t format);
// The bitmap behind `obj`, or nullptr when it is not one.
Bitmap* BitmapOf(jobject obj);
// A Java object of class `class_name` ("android/content/res/AssetManager",
// "android/view/Surface") standing for a native object the bridge owns
// elsewhere (`peer`, not owned by the jobject): what Android's Java side
// would hand native code, for AAssetManager_fromJava and
// ANativeWindow_fromSurface. Returns a new local reference.
jobject NewPeer(const char* class_name, void* peer);
// The peer of `obj` when it is a peer object of class `class_name`, else nullptr.
void* PeerOf(jobject obj, const char* class_name);
// The pending exception's class name and message ("" when none).
std::string PendingException(JNIEnv* env);

}  // namespace vmi::bridge::jni
