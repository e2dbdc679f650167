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
  AddSyncHooks(lib);
  AddDataHooks(lib);
  AddLibcExtraHooks(lib);
  AddNetdbHooks(lib);
  AddTermiosHooks(lib);
  AddSetjmpHooks(lib);
  AddMathClassifyHooks(lib);
  AddPosixHooks(lib);
  AddFtsHooks(lib);
  AddStdioExtHooks(lib);
  AddMultibyteHooks(lib);
}

void RegisterLibm(VirtualLibrary& lib) {
  AddLongDoubleMathHooks(lib);
  AddMathClassifyHooks(lib);
}

void RegisterLibdl(VirtualLibrary& lib) {
  AddDlHooks(lib);
  AddDlExtraHooks(lib);
}

void RegisterLiblog(VirtualLibrary& lib) {
  AddLogHooks(lib);
  AddLogExtraHooks(lib);
}

}  // namespace vmi::bridge::hooks
