// getaddrinfo family. bionic's struct addrinfo puts ai_canonname before
// ai_addr (glibc: after), its AI_* flags are BSD's (AI_NUMERICSERV 0x8,
// AI_ADDRCONFIG 0x400, AI_V4MAPPED 0x800; glibc 0x400, 0x20, 0x8), its EAI_*
// codes are small positive numbers (glibc: negative), and its NI_* flags
// are numbered differently. Results are converted into one allocation per
// node, freed by the freeaddrinfo hook. As in bionic, flags outside
// AI_MASK are refused with EAI_BADFLAGS. Thread-safe.
#include <netdb.h>
#include <sys/socket.h>

#include <cstdlib>
#include <cstring>

#include "bridge/hooks/hooks.h"

namespace vmi::bridge::hooks {
namespace {

struct BionicAddrinfo {
  int ai_flags;
  int ai_family;
  int ai_socktype;
  int ai_protocol;
  socklen_t ai_addrlen;
  char* ai_canonname;
  struct sockaddr* ai_addr;
  BionicAddrinfo* ai_next;
};
static_assert(sizeof(BionicAddrinfo) == 48);

// bionic <netdb.h>.
enum : int {
  kAiPassive = 0x1,
  kAiCanonname = 0x2,
  kAiNumerichost = 0x4,
  kAiNumericserv = 0x8,
  kAiAll = 0x100,
  kAiV4mappedCfg = 0x200,
  kAiAddrconfig = 0x400,
  kAiV4mapped = 0x800,
  kAiMask = kAiPassive | kAiCanonname | kAiNumerichost | kAiNumericserv | kAiAddrconfig,
};
enum : int {
  kEaiAddrfamily = 1, kEaiAgain, kEaiBadflags, kEaiFail, kEaiFamily, kEaiMemory, kEaiNodata, kEaiNoname,
  kEaiService, kEaiSocktype, kEaiSystem, kEaiBadhints, kEaiProtocol, kEaiOverflow,
};
enum : int { kNiNofqdn = 1, kNiNumerichost = 2, kNiNamereqd = 4, kNiNumericserv = 8, kNiDgram = 16 };

int ToBionicEai(int e) {
  switch (e) {
    case 0: return 0;
    case EAI_ADDRFAMILY: return kEaiAddrfamily;
    case EAI_AGAIN: return kEaiAgain;
    case EAI_BADFLAGS: return kEaiBadflags;
    case EAI_FAIL: return kEaiFail;
    case EAI_FAMILY: return kEaiFamily;
    case EAI_MEMORY: return kEaiMemory;
    case EAI_NODATA: return kEaiNodata;
    case EAI_NONAME: return kEaiNoname;
    case EAI_SERVICE: return kEaiService;
    case EAI_SOCKTYPE: return kEaiSocktype;
    case EAI_SYSTEM: return kEaiSystem;
    case EAI_OVERFLOW: return kEaiOverflow;
    default: return kEaiFail;
  }
}

int ToGlibcEai(int e) {
  switch (e) {
    case 0: return 0;
    case kEaiAddrfamily: return EAI_ADDRFAMILY;
    case kEaiAgain: return EAI_AGAIN;
    case kEaiBadflags: return EAI_BADFLAGS;
    case kEaiFail: return EAI_FAIL;
    case kEaiFamily: return EAI_FAMILY;
    case kEaiMemory: return EAI_MEMORY;
    case kEaiNodata: return EAI_NODATA;
    case kEaiNoname: return EAI_NONAME;
    case kEaiService: return EAI_SERVICE;
    case kEaiSocktype: return EAI_SOCKTYPE;
    case kEaiSystem: return EAI_SYSTEM;
    case kEaiOverflow: return EAI_OVERFLOW;
    default: return 1;  // unknown: glibc's "Unknown error"
  }
}

int ToGlibcAiFlags(int f) {
  int g = 0;
  if (f & kAiPassive) g |= AI_PASSIVE;
  if (f & kAiCanonname) g |= AI_CANONNAME;
  if (f & kAiNumerichost) g |= AI_NUMERICHOST;
  if (f & kAiNumericserv) g |= AI_NUMERICSERV;
  if (f & kAiAddrconfig) g |= AI_ADDRCONFIG;
  return g;
}

int ToBionicAiFlags(int g) {
  int f = 0;
  if (g & AI_PASSIVE) f |= kAiPassive;
  if (g & AI_CANONNAME) f |= kAiCanonname;
  if (g & AI_NUMERICHOST) f |= kAiNumerichost;
  if (g & AI_NUMERICSERV) f |= kAiNumericserv;
  if (g & AI_ADDRCONFIG) f |= kAiAddrconfig;
  if (g & AI_V4MAPPED) f |= kAiV4mapped;
  if (g & AI_ALL) f |= kAiAll;
  return f;
}

void Freeaddrinfo(BionicAddrinfo* ai) {
  while (ai != nullptr) {
    BionicAddrinfo* next = ai->ai_next;
    free(ai);  // node, address and name share one allocation
    ai = next;
  }
}

int Getaddrinfo(const char* host, const char* serv, const BionicAddrinfo* hints, BionicAddrinfo** res) {
  struct addrinfo gh {};
  const struct addrinfo* ghp = nullptr;
  if (hints != nullptr) {
    if ((hints->ai_flags & ~kAiMask) != 0) return kEaiBadflags;
    if (hints->ai_addrlen != 0 || hints->ai_canonname != nullptr || hints->ai_addr != nullptr ||
        hints->ai_next != nullptr) {
      return kEaiBadhints;
    }
    gh.ai_flags = ToGlibcAiFlags(hints->ai_flags);
    gh.ai_family = hints->ai_family;
    gh.ai_socktype = hints->ai_socktype;
    gh.ai_protocol = hints->ai_protocol;
    ghp = &gh;
  }
  struct addrinfo* gres = nullptr;
  int rc = getaddrinfo(host, serv, ghp, &gres);
  if (rc != 0) return ToBionicEai(rc);
  BionicAddrinfo* head = nullptr;
  BionicAddrinfo** tail = &head;
  for (const struct addrinfo* g = gres; g != nullptr; g = g->ai_next) {
    size_t name_len = g->ai_canonname != nullptr ? strlen(g->ai_canonname) + 1 : 0;
    auto* b = static_cast<BionicAddrinfo*>(calloc(1, sizeof(BionicAddrinfo) + g->ai_addrlen + name_len));
    if (b == nullptr) {
      freeaddrinfo(gres);
      Freeaddrinfo(head);
      return kEaiMemory;
    }
    b->ai_flags = ToBionicAiFlags(g->ai_flags);
    b->ai_family = g->ai_family;
    b->ai_socktype = g->ai_socktype;
    b->ai_protocol = g->ai_protocol;
    b->ai_addrlen = g->ai_addrlen;
    auto* extra = reinterpret_cast<char*>(b + 1);
    if (g->ai_addr != nullptr) {
      memcpy(extra, g->ai_addr, g->ai_addrlen);
      b->ai_addr = reinterpret_cast<struct sockaddr*>(extra);
    }
    if (name_len != 0) {
      memcpy(extra + g->ai_addrlen, g->ai_canonname, name_len);
      b->ai_canonname = extra + g->ai_addrlen;
    }
    *tail = b;
    tail = &b->ai_next;
  }
  freeaddrinfo(gres);
  *res = head;
  return 0;
}

int AndroidGetaddrinfofornet(const char* host, const char* serv, const BionicAddrinfo* hints, unsigned, unsigned,
                             BionicAddrinfo** res) {
  return Getaddrinfo(host, serv, hints, res);
}
int AndroidGetaddrinfofornetcontext(const char* host, const char* serv, const BionicAddrinfo* hints, const void*,
                                    BionicAddrinfo** res) {
  return Getaddrinfo(host, serv, hints, res);
}

int Getnameinfo(const struct sockaddr* sa, socklen_t salen, char* host, size_t hostlen, char* serv,
                size_t servlen, int flags) {
  int g = 0;
  if (flags & kNiNofqdn) g |= NI_NOFQDN;
  if (flags & kNiNumerichost) g |= NI_NUMERICHOST;
  if (flags & kNiNamereqd) g |= NI_NAMEREQD;
  if (flags & kNiNumericserv) g |= NI_NUMERICSERV;
  if (flags & kNiDgram) g |= NI_DGRAM;
  return ToBionicEai(getnameinfo(sa, salen, host, static_cast<socklen_t>(hostlen), serv,
                                 static_cast<socklen_t>(servlen), g));
}

const char* GaiStrerror(int e) {
  if (e == kEaiBadhints) return "Invalid value for hints";
  if (e == kEaiProtocol) return "Resolved protocol is unknown";
  return gai_strerror(ToGlibcEai(e));
}

const HookEntry kHooks[] = {
    VMI_HOOK("getaddrinfo", Getaddrinfo),
    VMI_HOOK("freeaddrinfo", Freeaddrinfo),
    VMI_HOOK("getnameinfo", Getnameinfo),
    VMI_HOOK("gai_strerror", GaiStrerror),
    VMI_HOOK("android_getaddrinfofornet", AndroidGetaddrinfofornet),
    VMI_HOOK("android_getaddrinfofornetcontext", AndroidGetaddrinfofornetcontext),
};

}  // namespace

void AddNetdbHooks(VirtualLibrary& lib) { lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0])); }

}  // namespace vmi::bridge::hooks
