// An embedded JavaVM/JNIEnv for bridged libraries, without a Java VM: no
// bytecode runs. A native object model backs what native code does with
// JNI on its own: strings, primitive and object arrays, direct byte
// buffers, local/global/weak references, exceptions, RegisterNatives, and
// classes and methods the host program defines from C++ (DefineClass,
// DefineMethod), which FindClass/GetMethodID/Call*Method then reach.
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

#include <string>

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
// The function RegisterNatives bound to name+sig in `cls`, or nullptr.
void* FindNative(jclass cls, const char* name, const char* sig);
// The class's name ("com/example/Foo").
std::string ClassName(jclass cls);
// The pending exception's class name and message ("" when none).
std::string PendingException(JNIEnv* env);

}  // namespace vmi::bridge::jni
