/* libvmi-bridge: load Android (bionic) native libraries into a glibc process.
 *
 * C ABI, callable from C and C++. Every function is thread-safe. Handles are
 * opaque; a handle stays valid until its last bridge_dlclose(). No function
 * lets a C++ exception escape; failures are reported through
 * bridge_dlerror(), as with dlerror(3).
 *
 *   bridge_set_library_path("/opt/vendor/lib64");
 *   void* h = bridge_dlopen("libfoo.so", BRIDGE_RTLD_NOW);
 *   if (!h) fprintf(stderr, "%s\n", bridge_dlerror());
 *   int (*f)(int) = (int (*)(int))bridge_dlsym(h, "foo");
 */
#ifndef VMI_BRIDGE_BRIDGE_H_
#define VMI_BRIDGE_BRIDGE_H_

#ifdef __cplusplus
extern "C" {
#endif

#define BRIDGE_API __attribute__((visibility("default")))

#define BRIDGE_RTLD_LAZY 0x00001
#define BRIDGE_RTLD_NOW 0x00002
#define BRIDGE_RTLD_NOLOAD 0x00004
#define BRIDGE_RTLD_GLOBAL 0x00100
/* Never unload: use it for libraries that start threads (JavaScriptCore). */
#define BRIDGE_RTLD_NODELETE 0x01000

/* Loads a bionic object (a path containing '/', or a name searched on the
 * library path; "libc.so", "libm.so", "libdl.so" and "liblog.so" are the
 * bridge's virtual libraries) with everything it needs, runs its
 * constructors, and returns a handle; NULL on failure. A NULL filename
 * returns the global handle (symbols of everything loaded). */
BRIDGE_API void* bridge_dlopen(const char* filename, int flags);
/* Address of `symbol` in the handle's object or what it needs; NULL if none. */
BRIDGE_API void* bridge_dlsym(void* handle, const char* symbol);
/* Drops a reference; the last one runs destructors and unmaps. 0 on success. */
BRIDGE_API int bridge_dlclose(void* handle);
/* Message of the last failure on this thread, then cleared; NULL if none. */
BRIDGE_API const char* bridge_dlerror(void);

/* ':'-separated directories searched for bare names and DT_NEEDED entries.
 * Default: $VMI_BRIDGE_LIBRARY_PATH. A needed library is also looked for next
 * to the object that needs it. Returns 0. */
BRIDGE_API int bridge_set_library_path(const char* path);
/* Reads Android system properties ("key=value" lines) that
 * __system_property_get() answers. Default: $VMI_BRIDGE_PROPERTIES.
 * Returns 0, or -1 (see bridge_dlerror) when the file cannot be read. */
BRIDGE_API int bridge_set_properties_file(const char* path);
/* Sets one property. Returns 0. */
BRIDGE_API int bridge_set_property(const char* name, const char* value);

/* JNI without a Java VM (docs/bridge.md, "JNI"): an embedded JavaVM whose
 * JNIEnv backs strings, arrays, direct byte buffers, references, exceptions,
 * RegisterNatives and classes defined here; unsupported JNI calls leave a
 * pending UnsupportedOperationException naming the call. Pointers are
 * JavaVM*, JNIEnv*, jclass of <jni.h>. */
BRIDGE_API void* bridge_jni_vm(void);
/* The calling thread's JNIEnv. */
BRIDGE_API void* bridge_jni_env(void);
/* Runs the handle's JNI_OnLoad(vm, NULL). Returns the JNI version it asked
 * for, 0 if the library has no JNI_OnLoad, or -1 (see bridge_dlerror) when
 * JNI_OnLoad failed or left an exception pending. */
BRIDGE_API int bridge_jni_onload(void* handle);
/* A class FindClass will find ("com/example/Foo"), created on first use. */
BRIDGE_API void* bridge_jni_define_class(const char* name);
/* The function RegisterNatives bound to name + JNI signature in `cls`, else,
 * when `handle` is not NULL, the library's export under the JNI short name
 * (Java_<class>_<name>) or long name (with the mangled argument types of
 * `sig`); NULL if none exists. */
BRIDGE_API void* bridge_jni_find_native(void* handle, void* cls, const char* name, const char* sig);
/* A method of a class defined here, reached by GetMethodID/Call*Method (a
 * constructor is "<init>" with a void result: NewObject runs it). `impl` is
 * `jvalue (*)(JNIEnv* env, jobject self, const jvalue* args)`: `self` is the
 * object (the class for static methods), `args` the arguments in signature
 * order. Returns the jmethodID, NULL on bad arguments. */
BRIDGE_API void* bridge_jni_define_method(void* cls, const char* name, const char* sig, int is_static, void* impl);
/* A field ("result", "I") of a class defined here, reached by GetFieldID and
 * Get/Set<Type>Field (GetStaticFieldID... when `is_static`). Returns the
 * jfieldID, NULL on bad arguments. */
BRIDGE_API void* bridge_jni_define_field(void* cls, const char* name, const char* sig, int is_static);

/* libandroid.so's objects, made by the host program for bridged code (see
 * docs/bridge.md, "libandroid.so"). An AAssetManager* over the assets/ of an
 * APK or over a directory, or NULL (bridge_dlerror says why); keep it open
 * while bridged code uses it. */
BRIDGE_API void* bridge_asset_manager_open(const char* apk_or_dir);
BRIDGE_API void bridge_asset_manager_close(void* manager);
/* The android.content.res.AssetManager object for AAssetManager_fromJava. */
BRIDGE_API void* bridge_jni_asset_manager(void* manager);
/* An ANativeWindow* of width x height pixels on a shared-memory surface, one
 * reference (drop it with bridge_native_window_release); NULL on error. */
BRIDGE_API void* bridge_native_window_create(int width, int height);
BRIDGE_API void bridge_native_window_release(void* window);
/* The surface's memfd (layout in docs/bridge.md) and an eventfd that counts
 * posted frames; both stay owned by the window. */
BRIDGE_API int bridge_native_window_surface_fd(void* window);
BRIDGE_API int bridge_native_window_frame_fd(void* window);
/* The android.view.Surface object for ANativeWindow_fromSurface. */
BRIDGE_API void* bridge_jni_surface(void* window);

/* On arm64 hosts, bionic code reads its stack guard at TPIDR_EL0+0x28,
 * which under glibc lies in static TLS. A program that loads bionic code on
 * arm64 must expand this once at file scope in its executable (not in a
 * shared library): it makes the executable's TLS block start 64 bytes past
 * the thread pointer, leaving bionic's slot to the bridge. Harmless on x86_64. */
#define BRIDGE_RESERVE_BIONIC_TLS() \
  __attribute__((used, aligned(64))) __thread unsigned char vmi_bridge_bionic_tls_reserve[64]

#ifdef __cplusplus
}
#endif

#endif /* VMI_BRIDGE_BRIDGE_H_ */
