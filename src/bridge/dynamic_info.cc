#include "bridge/dynamic_info.h"

#include <cstring>

namespace vmi::bridge {
namespace {

Error Bad(const std::string& what) { return Error(ErrorCode::kInvalidArgument, "dynamic section: " + what); }

}  // namespace

Result<DynamicInfo> ParseDynamic(const LoadedImage& image, const std::vector<Elf64_Phdr>& phdrs) {
  DynamicInfo d;
  const Elf64_Phdr* dyn_ph = nullptr;
  for (const Elf64_Phdr& ph : phdrs) {
    if (ph.p_type == PT_DYNAMIC) dyn_ph = &ph;
  }
  if (dyn_ph == nullptr) return Bad("missing");
  size_t max_count = dyn_ph->p_memsz / sizeof(Elf64_Dyn);
  d.dynamic = image.Get<Elf64_Dyn>(dyn_ph->p_vaddr, max_count);
  if (d.dynamic == nullptr || max_count == 0) return Bad("PT_DYNAMIC lies outside the loaded segments");

  uint64_t symtab = 0, syment = sizeof(Elf64_Sym), gnu_hash = 0, sysv_hash = 0, versym = 0;
  uint64_t rela = 0, relasz = 0, relaent = sizeof(Elf64_Rela), jmprel = 0, pltrelsz = 0, pltrel = DT_RELA;
  uint64_t relr = 0, relrsz = 0, arela = 0, arelasz = 0;
  uint64_t init_array = 0, init_arraysz = 0, fini_array = 0, fini_arraysz = 0, preinit = 0, preinitsz = 0;
  uint64_t verdef = 0, verdefnum = 0, verneed = 0, verneednum = 0, soname = 0;
  bool has_soname = false, has_rel = false;
  std::vector<uint64_t> needed;
  bool terminated = false;
  for (size_t i = 0; i < max_count; ++i) {
    const Elf64_Dyn& e = d.dynamic[i];
    const uint64_t v = e.d_un.d_val;
    switch (e.d_tag) {
      case DT_NULL: terminated = true; break;
      case DT_NEEDED: needed.push_back(v); break;
      case DT_STRTAB: d.strtab = v; break;
      case DT_STRSZ: d.strsz = v; break;
      case DT_SYMTAB: symtab = v; break;
      case DT_SYMENT: syment = v; break;
      case DT_GNU_HASH: gnu_hash = v; break;
      case DT_HASH: sysv_hash = v; break;
      case DT_VERSYM: versym = v; break;
      case DT_VERDEF: verdef = v; break;
      case DT_VERDEFNUM: verdefnum = v; break;
      case DT_VERNEED: verneed = v; break;
      case DT_VERNEEDNUM: verneednum = v; break;
      case DT_RELA: rela = v; break;
      case DT_RELASZ: relasz = v; break;
      case DT_RELAENT: relaent = v; break;
      case DT_REL: case DT_RELSZ: case kDtAndroidRel: case kDtAndroidRelSz: has_rel = v != 0 || has_rel; break;
      case DT_JMPREL: jmprel = v; break;
      case DT_PLTRELSZ: pltrelsz = v; break;
      case DT_PLTREL: pltrel = v; break;
      case kDtRelr: case kDtAndroidRelr: relr = v; break;
      case kDtRelrSz: case kDtAndroidRelrSz: relrsz = v; break;
      case kDtAndroidRela: arela = v; break;
      case kDtAndroidRelaSz: arelasz = v; break;
      case DT_INIT: d.init = v; break;
      case DT_FINI: d.fini = v; break;
      case DT_INIT_ARRAY: init_array = v; break;
      case DT_INIT_ARRAYSZ: init_arraysz = v; break;
      case DT_FINI_ARRAY: fini_array = v; break;
      case DT_FINI_ARRAYSZ: fini_arraysz = v; break;
      case DT_PREINIT_ARRAY: preinit = v; break;
      case DT_PREINIT_ARRAYSZ: preinitsz = v; break;
      case DT_SONAME: soname = v; has_soname = true; break;
      case DT_SYMBOLIC: d.symbolic = true; break;
      case DT_TEXTREL: return Bad("text relocations (DT_TEXTREL) are not supported");
      case DT_FLAGS:
        if (v & DF_TEXTREL) return Bad("text relocations (DF_TEXTREL) are not supported");
        if (v & DF_SYMBOLIC) d.symbolic = true;
        break;
      default: break;
    }
    if (terminated) {
      d.dynamic_count = i;
      break;
    }
  }
  if (!terminated) return Bad("no DT_NULL terminator inside PT_DYNAMIC");
  if (has_rel) return Bad("REL relocations are not used on this architecture");

  // String table.
  d.strings = static_cast<const char*>(image.GetBytes(d.strtab, d.strsz));
  if (d.strsz == 0 || d.strings == nullptr) return Bad("string table outside the image");
  if (d.strings[d.strsz - 1] != 0) return Bad("string table is not NUL-terminated");
  if (syment != sizeof(Elf64_Sym)) return Bad("unexpected DT_SYMENT");
  if (relaent != sizeof(Elf64_Rela)) return Bad("unexpected DT_RELAENT");
  if (pltrel != DT_RELA) return Bad("DT_PLTREL is not DT_RELA");

  // Hash tables decide how many symbols there are.
  uint64_t nsyms = 0;
  if (sysv_hash != 0) {
    const uint32_t* h = image.Get<uint32_t>(sysv_hash, 2);
    if (h == nullptr) return Bad("DT_HASH outside the image");
    d.sysv.nbucket = h[0];
    d.sysv.nchain = h[1];
    const uint32_t* all = image.Get<uint32_t>(sysv_hash, 2ull + d.sysv.nbucket + d.sysv.nchain);
    if (all == nullptr || d.sysv.nbucket == 0) return Bad("DT_HASH table outside the image");
    d.sysv.buckets = all + 2;
    d.sysv.chains = all + 2 + d.sysv.nbucket;
    d.has_sysv_hash = true;
    nsyms = d.sysv.nchain;
  }
  if (gnu_hash != 0) {
    const uint32_t* h = image.Get<uint32_t>(gnu_hash, 4);
    if (h == nullptr) return Bad("DT_GNU_HASH outside the image");
    GnuHash& g = d.gnu;
    g.nbuckets = h[0];
    g.symoffset = h[1];
    g.bloom_size = h[2];
    g.bloom_shift = h[3];
    if (g.nbuckets == 0 || g.bloom_size == 0 || (g.bloom_size & (g.bloom_size - 1)) != 0 || g.bloom_shift >= 64) {
      return Bad("malformed DT_GNU_HASH header");
    }
    g.bloom = image.Get<uint64_t>(gnu_hash + 16, g.bloom_size);
    g.buckets = image.Get<uint32_t>(gnu_hash + 16 + 8ull * g.bloom_size, g.nbuckets);
    if (g.bloom == nullptr || g.buckets == nullptr) return Bad("DT_GNU_HASH table outside the image");
    uint64_t chain_vaddr = gnu_hash + 16 + 8ull * g.bloom_size + 4ull * g.nbuckets;
    // The symbol count is one past the last chain entry reachable from a bucket.
    uint32_t max_bucket = 0;
    for (uint32_t i = 0; i < g.nbuckets; ++i) max_bucket = std::max(max_bucket, g.buckets[i]);
    uint64_t gnu_nsyms = g.symoffset;
    if (max_bucket >= g.symoffset) {
      uint64_t idx = max_bucket;
      while (true) {
        const uint32_t* c = image.Get<uint32_t>(chain_vaddr + 4 * (idx - g.symoffset));
        if (c == nullptr) return Bad("DT_GNU_HASH chain runs outside the image");
        if (*c & 1) break;
        if (++idx > (1u << 26)) return Bad("DT_GNU_HASH chain too long");
      }
      gnu_nsyms = idx + 1;
    } else if (max_bucket != 0) {
      return Bad("DT_GNU_HASH bucket below symoffset");
    }
    g.chains = image.Get<uint32_t>(chain_vaddr, gnu_nsyms - g.symoffset);
    if (gnu_nsyms > g.symoffset && g.chains == nullptr) return Bad("DT_GNU_HASH chains outside the image");
    if (g.chains == nullptr) g.chains = image.Get<uint32_t>(chain_vaddr, 0);
    g.end = static_cast<uint32_t>(gnu_nsyms);
    d.has_gnu_hash = true;
    nsyms = std::max(nsyms, gnu_nsyms);
  }
  if (nsyms > (1u << 26)) return Bad("too many symbols");
  d.nsyms = static_cast<uint32_t>(nsyms);
  if (symtab == 0 && nsyms > 0) return Bad("no DT_SYMTAB");
  if (nsyms > 0) {
    d.symtab = image.Get<Elf64_Sym>(symtab, nsyms);
    if (d.symtab == nullptr) return Bad("symbol table outside the image");
  }
  if (d.has_sysv_hash && d.sysv.nchain < nsyms) return Bad("DT_HASH nchain smaller than the symbol count");

  // Versions.
  if (versym != 0 && nsyms > 0) {
    d.versym = image.Get<uint16_t>(versym, nsyms);
    if (d.versym == nullptr) return Bad("DT_VERSYM outside the image");
  }
  auto set_version = [&d](uint32_t idx, const char* name) {
    idx &= 0x7fff;
    if (idx >= d.version_names.size()) d.version_names.resize(idx + 1, nullptr);
    d.version_names[idx] = name;
  };
  if (verdef != 0) {
    uint64_t at = verdef;
    for (uint64_t i = 0; i < verdefnum && i < 4096; ++i) {
      const Elf64_Verdef* vd = image.Get<Elf64_Verdef>(at);
      if (vd == nullptr) return Bad("DT_VERDEF outside the image");
      if (vd->vd_cnt > 0) {
        const Elf64_Verdaux* aux = image.Get<Elf64_Verdaux>(at + vd->vd_aux);
        if (aux == nullptr) return Bad("verdaux outside the image");
        const char* name = image.GetString(d.strtab, d.strsz, aux->vda_name);
        if (name == nullptr) return Bad("version name outside the string table");
        if (!(vd->vd_flags & VER_FLG_BASE)) set_version(vd->vd_ndx, name);
      }
      if (vd->vd_next == 0) break;
      at += vd->vd_next;
    }
    d.has_verdef = true;
  }
  if (verneed != 0) {
    uint64_t at = verneed;
    for (uint64_t i = 0; i < verneednum && i < 4096; ++i) {
      const Elf64_Verneed* vn = image.Get<Elf64_Verneed>(at);
      if (vn == nullptr) return Bad("DT_VERNEED outside the image");
      uint64_t aux_at = at + vn->vn_aux;
      for (uint32_t j = 0; j < vn->vn_cnt && j < 4096; ++j) {
        const Elf64_Vernaux* aux = image.Get<Elf64_Vernaux>(aux_at);
        if (aux == nullptr) return Bad("vernaux outside the image");
        const char* name = image.GetString(d.strtab, d.strsz, aux->vna_name);
        if (name == nullptr) return Bad("version name outside the string table");
        set_version(aux->vna_other, name);
        if (aux->vna_next == 0) break;
        aux_at += aux->vna_next;
      }
      if (vn->vn_next == 0) break;
      at += vn->vn_next;
    }
  }

  // Relocation tables.
  if (relasz != 0) {
    d.rela_count = relasz / sizeof(Elf64_Rela);
    d.rela = image.Get<Elf64_Rela>(rela, d.rela_count);
    if (d.rela == nullptr || relasz % sizeof(Elf64_Rela) != 0) return Bad("DT_RELA outside the image");
  }
  if (pltrelsz != 0) {
    d.jmprel_count = pltrelsz / sizeof(Elf64_Rela);
    d.jmprel = image.Get<Elf64_Rela>(jmprel, d.jmprel_count);
    if (d.jmprel == nullptr || pltrelsz % sizeof(Elf64_Rela) != 0) return Bad("DT_JMPREL outside the image");
  }
  if (relrsz != 0) {
    d.relr_count = relrsz / 8;
    d.relr = image.Get<uint64_t>(relr, d.relr_count);
    if (d.relr == nullptr || relrsz % 8 != 0) return Bad("DT_RELR outside the image");
  }
  if (arelasz != 0) {
    d.android_rela_size = arelasz;
    d.android_rela = image.Get<uint8_t>(arela, arelasz);
    if (d.android_rela == nullptr) return Bad("DT_ANDROID_RELA outside the image");
  }
  auto array = [&image](uint64_t at, uint64_t sz, const uint64_t** out, size_t* count) -> bool {
    if (sz == 0) return true;
    *count = sz / 8;
    *out = image.Get<uint64_t>(at, *count);
    return *out != nullptr && sz % 8 == 0;
  };
  if (!array(init_array, init_arraysz, &d.init_array, &d.init_array_count)) return Bad("DT_INIT_ARRAY outside the image");
  if (!array(fini_array, fini_arraysz, &d.fini_array, &d.fini_array_count)) return Bad("DT_FINI_ARRAY outside the image");
  if (!array(preinit, preinitsz, &d.preinit_array, &d.preinit_array_count)) return Bad("DT_PREINIT_ARRAY outside the image");

  for (uint64_t off : needed) {
    const char* name = image.GetString(d.strtab, d.strsz, off);
    if (name == nullptr) return Bad("DT_NEEDED name outside the string table");
    d.needed.push_back(name);
  }
  if (has_soname) {
    d.soname = image.GetString(d.strtab, d.strsz, soname);
    if (d.soname == nullptr) return Bad("DT_SONAME outside the string table");
  }
  return d;
}

}  // namespace vmi::bridge
