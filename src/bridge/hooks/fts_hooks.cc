// fts: bionic's FTS/FTSENT are OpenBSD's (size_t path/name lengths, an int
// level, no fts_cycle/fts_number reordering) where glibc's use int lengths
// and a short level, so the FTSENTs glibc returns are copied into bionic's
// layout. The options, fts_info and fts_set values agree (BSD numbering in
// both). Each glibc entry keeps one bionic twin for as long as the walk
// lasts, so fts_parent chains and the caller's fts_number/fts_pointer stay
// attached to the same object; the caller's fts_number/fts_pointer are
// written back to glibc's entry before every call. Twins are refreshed from
// glibc's entry each time one is handed out (glibc reuses memory) and freed
// by fts_close. The caller's compar function receives twins too. Not
// thread-safe per FTS stream, like fts itself.
#include <fts.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "bridge/hooks/hooks.h"

namespace vmi::bridge::hooks {
namespace {

struct BionicFtsent {
  BionicFtsent* fts_cycle;
  BionicFtsent* fts_parent;
  BionicFtsent* fts_link;
  long fts_number;
  void* fts_pointer;
  char* fts_accpath;
  char* fts_path;
  int fts_errno;
  int fts_symfd;
  size_t fts_pathlen;
  size_t fts_namelen;
  ino_t fts_ino;
  dev_t fts_dev;
  nlink_t fts_nlink;
  int fts_level;
  unsigned short fts_info;
  unsigned short fts_flags;
  unsigned short fts_instr;
  struct stat* fts_statp;
  char fts_name[1];
};

struct BionicFts {
  BionicFtsent* fts_cur;
  BionicFtsent* fts_child;
  BionicFtsent** fts_array;
  dev_t fts_dev;
  char* fts_path;
  int fts_rfd;
  size_t fts_pathlen;
  int fts_nitems;
  void* fts_compar;
  int fts_options;
};

using Compar = int (*)(const BionicFtsent**, const BionicFtsent**);

// What the bridge hands out as FTS*: bionic's header first.
struct Stream {
  BionicFts bionic{};
  FTS* glibc = nullptr;
  Compar compar = nullptr;
  std::unordered_map<const FTSENT*, BionicFtsent*> twins;
};

thread_local Stream* t_sorting = nullptr;  // the stream whose compar runs

BionicFtsent* Twin(Stream* s, FTSENT* g) {
  if (g == nullptr) return nullptr;
  BionicFtsent*& t = s->twins[g];
  const size_t need = sizeof(BionicFtsent) + g->fts_namelen;
  if (t == nullptr || t->fts_namelen < g->fts_namelen) {
    auto* fresh = static_cast<BionicFtsent*>(realloc(t, need));
    if (fresh == nullptr) return nullptr;
    if (t == nullptr) memset(fresh, 0, sizeof(BionicFtsent));
    t = fresh;
  }
  t->fts_cycle = nullptr;
  t->fts_link = nullptr;
  t->fts_number = g->fts_number;
  t->fts_pointer = g->fts_pointer;
  t->fts_accpath = g->fts_accpath;
  t->fts_path = g->fts_path;
  t->fts_errno = g->fts_errno;
  t->fts_symfd = g->fts_symfd;
  t->fts_pathlen = static_cast<size_t>(g->fts_pathlen);
  t->fts_namelen = static_cast<size_t>(g->fts_namelen);
  t->fts_ino = g->fts_ino;
  t->fts_dev = g->fts_dev;
  t->fts_nlink = g->fts_nlink;
  t->fts_level = g->fts_level;
  t->fts_info = g->fts_info;
  t->fts_flags = g->fts_flags;
  t->fts_instr = g->fts_instr;
  t->fts_statp = g->fts_statp;
  memcpy(t->fts_name, g->fts_name, static_cast<size_t>(g->fts_namelen) + 1);
  // Parents first met here get their twin too. The roots' parent (level -1)
  // is glibc's dummy, whose own parent and cycle fields are never set.
  t->fts_parent = g->fts_level >= 0 && g->fts_parent != nullptr ? Twin(s, g->fts_parent) : nullptr;
  if (g->fts_info == FTS_DC && g->fts_cycle != nullptr && g->fts_cycle != g) t->fts_cycle = Twin(s, g->fts_cycle);
  return t;
}

// The caller may have set fts_number/fts_pointer/fts_instr on twins.
void WriteBack(Stream* s) {
  for (auto& [g, t] : s->twins) {
    auto* ge = const_cast<FTSENT*>(g);
    ge->fts_number = t->fts_number;
    ge->fts_pointer = t->fts_pointer;
  }
}

int SortTrampoline(const FTSENT** a, const FTSENT** b) {
  Stream* s = t_sorting;
  const BionicFtsent* ta = Twin(s, const_cast<FTSENT*>(*a));
  const BionicFtsent* tb = Twin(s, const_cast<FTSENT*>(*b));
  return s->compar(&ta, &tb);
}

void* FtsOpen(char* const* argv, int options, Compar compar) {
  auto* s = new Stream();
  s->compar = compar;
  t_sorting = s;
  s->glibc = fts_open(argv, options, compar != nullptr ? SortTrampoline : nullptr);
  if (s->glibc == nullptr) {
    delete s;
    return nullptr;
  }
  s->bionic.fts_options = options;
  s->bionic.fts_compar = reinterpret_cast<void*>(compar);
  return s;
}

void* FtsRead(Stream* s) {
  WriteBack(s);
  t_sorting = s;
  FTSENT* g = fts_read(s->glibc);
  s->bionic.fts_cur = Twin(s, g);
  return s->bionic.fts_cur;
}

void* FtsChildren(Stream* s, int options) {
  WriteBack(s);
  t_sorting = s;
  BionicFtsent* head = nullptr;
  BionicFtsent** tail = &head;
  for (FTSENT* g = fts_children(s->glibc, options); g != nullptr; g = g->fts_link) {
    BionicFtsent* t = Twin(s, g);
    *tail = t;
    tail = &t->fts_link;
  }
  s->bionic.fts_child = head;
  return head;
}

int FtsSet(Stream* s, BionicFtsent* e, int instr) {
  for (auto& [g, t] : s->twins) {
    if (t == e) return fts_set(s->glibc, const_cast<FTSENT*>(g), instr);
  }
  errno = EINVAL;
  return -1;
}

int FtsClose(Stream* s) {
  int r = fts_close(s->glibc);
  for (auto& [g, t] : s->twins) free(t);
  delete s;
  return r;
}

const HookEntry kHooks[] = {
    VMI_HOOK("fts_open", FtsOpen),
    VMI_HOOK("fts_read", FtsRead),
    VMI_HOOK("fts_children", FtsChildren),
    VMI_HOOK("fts_set", FtsSet),
    VMI_HOOK("fts_close", FtsClose),
};

}  // namespace

void AddFtsHooks(VirtualLibrary& lib) { lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0])); }

}  // namespace vmi::bridge::hooks
