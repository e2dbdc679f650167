#include "bridge/hooks/hooks.h"

namespace vmi::bridge::hooks {

void RegisterLibc(VirtualLibrary& lib) {
  AddStdioHooks(lib);
  AddErrnoStringHooks(lib);
  AddFortifyHooks(lib);
  AddSignalHooks(lib);
  AddSysconfHooks(lib);
  AddRegexHooks(lib);
  AddStrtoldHooks(lib);
  AddPropertyHooks(lib);
  AddStartupHooks(lib);
  AddPthreadHooks(lib);
}

void RegisterLibm(VirtualLibrary& lib) { AddLongDoubleMathHooks(lib); }

void RegisterLibdl(VirtualLibrary& lib) { AddDlHooks(lib); }

void RegisterLiblog(VirtualLibrary& lib) { AddLogHooks(lib); }

}  // namespace vmi::bridge::hooks
