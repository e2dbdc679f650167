// vmi-peinfo FILE [ICON_OUT]: runs inside win32 instances (guest kit), so
// that programs an installer wrote are parsed in the instance, not on the
// host. Prints "machine<TAB>gui|console<TAB>name" and writes the program's
// icon as an .ico file to ICON_OUT when it has one. Exit 1 with the reason
// on stderr for a file that is not a usable Windows program.
#include <cstdio>

#include "apps/pe_file.h"
#include "base/file.h"

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: vmi-peinfo FILE [ICON_OUT]\n");
    return 2;
  }
  auto info = vmi::apps::ReadPeFile(argv[1]);
  if (!info.ok()) {
    fprintf(stderr, "%s\n", info.error().ToString().c_str());
    return 1;
  }
  printf("%s\t%s\t%s\n", vmi::apps::PeMachineName(info->machine), info->gui ? "gui" : "console",
         info->name.c_str());
  if (argc == 3 && !info->icon.empty()) {
    auto w = vmi::WriteFile(argv[2], info->icon);
    if (!w.ok()) {
      fprintf(stderr, "%s\n", w.error().ToString().c_str());
      return 1;
    }
  }
  return 0;
}
