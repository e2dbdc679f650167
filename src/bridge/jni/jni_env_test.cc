// The embedded JNIEnv driven by a bionic library the way Android code uses
// it: JNI_OnLoad gets the env from the JavaVM, finds a class the host
// defined, registers natives; the natives use strings, arrays, direct byte
// buffers, exceptions and a static method the host implemented in C++; an
// unsupported call leaves an exception naming it.
#include "bridge/jni/jni_env.h"

#include <thread>

#include <gtest/gtest.h>

#include "bridge/linker.h"
#include "bridge/testing/test_objects.h"

namespace vmi::bridge {
namespace {

constexpr const char* kJniLib = R"(
#include <jni.h>
static jint add(JNIEnv* env, jclass cls, jint a, jint b) { return a + b; }
static jstring greet(JNIEnv* env, jclass cls, jstring name) {
  char buf[64] = "hello, ";
  const char* n = (*env)->GetStringUTFChars(env, name, 0);
  int i = 7;
  for (int k = 0; n[k] != 0 && i < 62; ++k) buf[i++] = n[k];
  buf[i] = 0;
  (*env)->ReleaseStringUTFChars(env, name, n);
  return (*env)->NewStringUTF(env, buf);
}
static jint sum(JNIEnv* env, jclass cls, jintArray arr) {
  jsize n = (*env)->GetArrayLength(env, arr);
  jint* p = (*env)->GetIntArrayElements(env, arr, 0);
  jint s = 0;
  for (jsize i = 0; i < n; ++i) s += p[i];
  (*env)->ReleaseIntArrayElements(env, arr, p, JNI_ABORT);
  jint out[2] = {s, -s};
  (*env)->SetIntArrayRegion(env, arr, 0, 2, out);
  return s;
}
static jlong buffer_sum(JNIEnv* env, jclass cls, jobject buf) {
  const unsigned char* p = (*env)->GetDirectBufferAddress(env, buf);
  jlong cap = (*env)->GetDirectBufferCapacity(env, buf), s = 0;
  for (jlong i = 0; i < cap; ++i) s += p[i];
  return s;
}
static jint callback(JNIEnv* env, jclass cls) {
  jclass host = (*env)->FindClass(env, "com/example/Host");
  jmethodID m = (*env)->GetStaticMethodID(env, host, "square", "(I)I");
  return m == 0 ? -1 : (*env)->CallStaticIntMethod(env, host, m, 7);
}
static void fail(JNIEnv* env, jclass cls) {
  (*env)->ThrowNew(env, (*env)->FindClass(env, "java/lang/IllegalStateException"), "bad state");
}
static jint unsupported(JNIEnv* env, jclass cls) {
  jmethodID m = (*env)->FromReflectedMethod(env, cls);
  return m == 0 && (*env)->ExceptionCheck(env) ? -1 : 0;
}
JNIEXPORT jint JNICALL Java_com_example_Native_twice(JNIEnv* env, jclass cls, jint x) { return 2 * x; }
JNIEXPORT jint JNI_OnLoad(JavaVM* vm, void* reserved) {
  JNIEnv* env = 0;
  if ((*vm)->GetEnv(vm, (void**)&env, JNI_VERSION_1_6) != JNI_OK) return -1;
  jclass c = (*env)->FindClass(env, "com/example/Native");
  if (c == 0) return -1;
  static const JNINativeMethod methods[] = {
      {"add", "(II)I", (void*)add},
      {"greet", "(Ljava/lang/String;)Ljava/lang/String;", (void*)greet},
      {"sum", "([I)I", (void*)sum},
      {"bufferSum", "(Ljava/nio/ByteBuffer;)J", (void*)buffer_sum},
      {"callback", "()I", (void*)callback},
      {"fail", "()V", (void*)fail},
      {"unsupported", "()I", (void*)unsupported},
  };
  if ((*env)->RegisterNatives(env, c, methods, sizeof(methods) / sizeof(methods[0])) != JNI_OK) return -1;
  return JNI_VERSION_1_6;
}
)";

jvalue Square(JNIEnv*, jobject, const jvalue* args) {
  jvalue r{};
  r.i = args[0].i * args[0].i;
  return r;
}

TEST(JniEnv, LibraryRunsJniOnLoadAndItsNativesWork) {
  testing::TestObjects t;
  auto lib = t.Build("libnative.so", kJniLib, {std::string("-I") + VMI_JNI_INCLUDE});
  ASSERT_TRUE(lib.ok()) << lib.error().ToString();
  jclass cls = jni::DefineClass("com/example/Native");
  jclass host = jni::DefineClass("com/example/Host");
  ASSERT_NE(jni::DefineMethod(host, "square", "(I)I", true, Square), nullptr);
  auto so = Linker::Instance().Open(*lib);
  ASSERT_TRUE(so.ok()) << so.error().ToString();
  auto on_load = reinterpret_cast<jint (*)(JavaVM*, void*)>(Linker::Instance().Symbol(*so, "JNI_OnLoad"));
  ASSERT_NE(on_load, nullptr);
  EXPECT_EQ(on_load(jni::Vm(), nullptr), JNI_VERSION_1_6);
  JNIEnv* env = jni::Env();
  ASSERT_FALSE(env->ExceptionCheck());

  auto add = reinterpret_cast<jint (*)(JNIEnv*, jclass, jint, jint)>(jni::FindNative(cls, "add", "(II)I"));
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(add(env, cls, 40, 2), 42);

  auto greet = reinterpret_cast<jstring (*)(JNIEnv*, jclass, jstring)>(
      jni::FindNative(cls, "greet", "(Ljava/lang/String;)Ljava/lang/String;"));
  jstring name = env->NewStringUTF("w\xc3\xb6rld");
  jstring reply = greet(env, cls, name);
  const char* text = env->GetStringUTFChars(reply, nullptr);
  EXPECT_STREQ(text, "hello, w\xc3\xb6rld");
  env->ReleaseStringUTFChars(reply, text);
  EXPECT_EQ(env->GetStringLength(name), 5);  // UTF-16 units
  env->DeleteLocalRef(name);
  env->DeleteLocalRef(reply);

  auto sum = reinterpret_cast<jint (*)(JNIEnv*, jclass, jintArray)>(jni::FindNative(cls, "sum", "([I)I"));
  jintArray arr = env->NewIntArray(4);
  const jint values[] = {1, 2, 3, 4};
  env->SetIntArrayRegion(arr, 0, 4, values);
  EXPECT_EQ(sum(env, cls, arr), 10);
  jint back[4];
  env->GetIntArrayRegion(arr, 0, 4, back);
  EXPECT_EQ(back[0], 10);
  EXPECT_EQ(back[1], -10);
  env->GetIntArrayRegion(arr, 3, 2, back);  // out of bounds
  EXPECT_NE(jni::PendingException(env).find("ArrayIndexOutOfBoundsException"), std::string::npos);
  env->ExceptionClear();

  unsigned char bytes[] = {1, 2, 3, 250};
  jobject buf = env->NewDirectByteBuffer(bytes, sizeof(bytes));
  auto buffer_sum = reinterpret_cast<jlong (*)(JNIEnv*, jclass, jobject)>(
      jni::FindNative(cls, "bufferSum", "(Ljava/nio/ByteBuffer;)J"));
  EXPECT_EQ(buffer_sum(env, cls, buf), 256);

  auto callback = reinterpret_cast<jint (*)(JNIEnv*, jclass)>(jni::FindNative(cls, "callback", "()I"));
  EXPECT_EQ(callback(env, cls), 49);

  auto fail = reinterpret_cast<void (*)(JNIEnv*, jclass)>(jni::FindNative(cls, "fail", "()V"));
  fail(env, cls);
  EXPECT_EQ(jni::PendingException(env), "java/lang/IllegalStateException: bad state");
  env->ExceptionClear();

  auto unsupported = reinterpret_cast<jint (*)(JNIEnv*, jclass)>(jni::FindNative(cls, "unsupported", "()I"));
  EXPECT_EQ(unsupported(env, cls), -1);
  EXPECT_EQ(jni::PendingException(env),
            "java/lang/UnsupportedOperationException: JNI call FromReflectedMethod is not supported by the "
            "bridge's JNIEnv");
  env->ExceptionClear();

  auto twice = reinterpret_cast<jint (*)(JNIEnv*, jclass, jint)>(Linker::Instance().Symbol(*so, "Java_com_example_Native_twice"));
  ASSERT_NE(twice, nullptr);
  EXPECT_EQ(twice(env, cls, 21), 42);
  EXPECT_EQ(env->FindClass("com/example/Missing"), nullptr);
  EXPECT_NE(jni::PendingException(env).find("NoClassDefFoundError"), std::string::npos);
  env->ExceptionClear();
  ASSERT_TRUE(Linker::Instance().Close(*so).ok());
}

// A constructor defined from C++ that stores its arguments in the fields,
// as io.liteglue.SQLiteNativeResponse(int, long) does in Java.
jfieldID g_result_field, g_handle_field, g_name_field;
jvalue Init(JNIEnv* env, jobject self, const jvalue* args) {
  env->SetIntField(self, g_result_field, args[0].i);
  env->SetLongField(self, g_handle_field, args[1].j);
  if (args[0].i < 0) env->ThrowNew(env->FindClass("java/lang/IllegalArgumentException"), "negative");
  return jvalue{};
}

TEST(JniEnv, FieldsAndConstructorsOfHostClasses) {
  JNIEnv* env = jni::Env();
  jclass cls = jni::DefineClass("com/example/Response");
  g_result_field = jni::DefineField(cls, "result", "I", false);
  g_handle_field = jni::DefineField(cls, "handle", "J", false);
  g_name_field = jni::DefineField(cls, "name", "Ljava/lang/String;", false);
  jfieldID count = jni::DefineField(cls, "count", "D", true);
  ASSERT_NE(jni::DefineMethod(cls, "<init>", "(IJ)V", false, Init), nullptr);

  jmethodID init = env->GetMethodID(cls, "<init>", "(IJ)V");
  ASSERT_NE(init, nullptr);
  jobject o = env->NewObject(cls, init, 7, jlong{1} << 40);
  ASSERT_NE(o, nullptr);
  EXPECT_TRUE(env->IsInstanceOf(o, cls));
  EXPECT_EQ(env->GetFieldID(cls, "result", "I"), g_result_field);
  EXPECT_EQ(env->GetIntField(o, g_result_field), 7);
  EXPECT_EQ(env->GetLongField(o, g_handle_field), jlong{1} << 40);
  jvalue args[2];
  args[0].i = 3;
  args[1].j = -5;
  jobject p = env->NewObjectA(cls, init, args);
  EXPECT_EQ(env->GetIntField(p, g_result_field), 3);
  EXPECT_EQ(env->GetLongField(p, g_handle_field), -5);
  EXPECT_EQ(env->GetIntField(o, g_result_field), 7);  // per object

  jstring s = env->NewStringUTF("kept");
  env->SetObjectField(o, g_name_field, s);
  env->DeleteLocalRef(s);  // the field still holds it
  jobject back = env->GetObjectField(o, g_name_field);
  const char* text = env->GetStringUTFChars(static_cast<jstring>(back), nullptr);
  EXPECT_STREQ(text, "kept");
  env->ReleaseStringUTFChars(static_cast<jstring>(back), text);
  env->DeleteLocalRef(back);
  EXPECT_EQ(env->GetObjectField(p, g_name_field), nullptr);

  EXPECT_EQ(env->GetStaticFieldID(cls, "count", "D"), count);
  env->SetStaticDoubleField(cls, count, 2.5);
  EXPECT_EQ(env->GetStaticDoubleField(cls, count), 2.5);

  EXPECT_EQ(env->GetFieldID(cls, "count", "D"), nullptr);  // static, asked as an instance field
  EXPECT_EQ(jni::PendingException(env), "java/lang/NoSuchFieldError: com/example/Response.count D");
  env->ExceptionClear();
  EXPECT_EQ(env->GetFieldID(cls, "missing", "I"), nullptr);
  env->ExceptionClear();
  EXPECT_EQ(env->NewObject(cls, init, -1, jlong{0}), nullptr);  // the constructor threw
  EXPECT_EQ(jni::PendingException(env), "java/lang/IllegalArgumentException: negative");
  env->ExceptionClear();
  EXPECT_EQ(env->GetIntField(nullptr, g_result_field), 0);
  EXPECT_NE(jni::PendingException(env).find("NullPointerException"), std::string::npos);
  env->ExceptionClear();
  jobject bare = env->AllocObject(cls);  // no constructor run
  EXPECT_EQ(env->GetIntField(bare, g_result_field), 0);
  env->DeleteLocalRef(bare);
  env->DeleteLocalRef(o);
  env->DeleteLocalRef(p);
}

TEST(JniEnv, NativeNamesAreMangledAsTheSpecificationSays) {
  EXPECT_EQ(jni::NativeName("io/liteglue/SQLiteNDKNativeDriver", "sqlc_db_open", nullptr),
            "Java_io_liteglue_SQLiteNDKNativeDriver_sqlc_1db_1open");
  EXPECT_EQ(jni::NativeName("io/liteglue/SQLiteNDKNativeDriver", "sqlc_db_open",
                            "(Ljava/lang/String;I)Lio/liteglue/SQLiteNativeResponse;"),
            "Java_io_liteglue_SQLiteNDKNativeDriver_sqlc_1db_1open__Ljava_lang_String_2I");
  EXPECT_EQ(jni::NativeName("a/B", "f", "([[BJ)V"), "Java_a_B_f___3_3BJ");
  EXPECT_EQ(jni::NativeName("a/B", "caf\xc3\xa9", "()V"), "Java_a_B_caf_000e9__");
}

TEST(JniEnv, VmVersionsAndThreads) {
  JavaVM* vm = jni::Vm();
  void* env = nullptr;
  EXPECT_EQ(vm->GetEnv(&env, JNI_VERSION_1_6), JNI_OK);
  EXPECT_EQ(env, jni::Env());
  EXPECT_EQ(vm->GetEnv(&env, 0x00010009), JNI_EVERSION);
  JNIEnv* other = nullptr;
  std::thread([&] { vm->AttachCurrentThread(&other, nullptr); }).join();
  EXPECT_NE(other, nullptr);
  EXPECT_NE(other, jni::Env());  // one env per thread
}

}  // namespace
}  // namespace vmi::bridge
