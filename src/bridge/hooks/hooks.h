// Hook families of the virtual bionic libraries. Each family lives in its own
// file and adds its entries here; see docs/bridge.md ("Adding a hook").
// Hooks are called from bionic code on any thread; each states its own
// thread-safety. None lets a C++ exception escape.
#pragma once

#include <pthread.h>
#include <semaphore.h>

#include <cstdio>

#include "bridge/virtual_library.h"

namespace vmi::bridge::hooks {

void RegisterLibc(VirtualLibrary& lib);
void RegisterLibm(VirtualLibrary& lib);
void RegisterLibdl(VirtualLibrary& lib);
void RegisterLiblog(VirtualLibrary& lib);
void RegisterLibstdcxx(VirtualLibrary& lib);
void RegisterLibz(VirtualLibrary& lib);
void RegisterLibEGL(VirtualLibrary& lib);
void RegisterLibmediandk(VirtualLibrary& lib);
void RegisterLibjnigraphics(VirtualLibrary& lib);
void RegisterLibandroid(VirtualLibrary& lib);
void RegisterLibnativewindow(VirtualLibrary& lib);
void RegisterLibaaudio(VirtualLibrary& lib);
void RegisterLibOpenSLES(VirtualLibrary& lib);

// Families (each defined in <family>_hooks.cc).
void AddStdioHooks(VirtualLibrary& lib);
void AddErrnoStringHooks(VirtualLibrary& lib);
void AddFortifyHooks(VirtualLibrary& lib);
void AddSignalHooks(VirtualLibrary& lib);
void AddSysconfHooks(VirtualLibrary& lib);
void AddRegexHooks(VirtualLibrary& lib);
void AddStrtoldHooks(VirtualLibrary& lib);
void AddLongDoubleMathHooks(VirtualLibrary& lib);
void AddPropertyHooks(VirtualLibrary& lib);
void AddStartupHooks(VirtualLibrary& lib);
void AddLogHooks(VirtualLibrary& lib);
void AddDlHooks(VirtualLibrary& lib);
void AddPthreadHooks(VirtualLibrary& lib);
void AddSyncHooks(VirtualLibrary& lib);
// The glibc condvar/semaphore that stands for a bionic one (the same object
// unless arm64 alignment requires one aside, see sync_hooks.cc).
pthread_cond_t* GlibcCond(void* bionic);
sem_t* GlibcSem(void* bionic);
void AddDataHooks(VirtualLibrary& lib);
void AddLibcExtraHooks(VirtualLibrary& lib);
void AddNetdbHooks(VirtualLibrary& lib);
void AddTermiosHooks(VirtualLibrary& lib);
void AddSetjmpHooks(VirtualLibrary& lib);
void AddMathClassifyHooks(VirtualLibrary& lib);
void AddDlExtraHooks(VirtualLibrary& lib);
void AddPosixHooks(VirtualLibrary& lib);
void AddFtsHooks(VirtualLibrary& lib);
void AddStdioExtHooks(VirtualLibrary& lib);
void AddMultibyteHooks(VirtualLibrary& lib);
void AddDlPropertyHooks(VirtualLibrary& lib);
void AddLogExtraHooks(VirtualLibrary& lib);
void AddConfigurationHooks(VirtualLibrary& lib);
// ANativeWindow_*; `with_surface` adds libandroid.so's fromSurface/toSurface.
void AddNativeWindowHooks(VirtualLibrary& lib, bool with_surface);

// The glibc FILE behind a FILE* handed over by bionic code: &__sF[0..2] map to
// stdin/stdout/stderr; anything else is already a glibc FILE.
FILE* ToGlibcFile(void* fp);
// The bionic __sF array (3 x 152 bytes).
void* BionicSF();
// Another copy of __sF (an executable's R_*_COPY of it) that stdio hooks map
// like the original. One alias per process (one executable runs at a time).
void AddSFAlias(void* copy, size_t size);

}  // namespace vmi::bridge::hooks

#define VMI_HOOK(name, fn) {name, reinterpret_cast<void*>(fn)}
