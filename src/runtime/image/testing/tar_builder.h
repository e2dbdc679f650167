// Test helper: writes tar archives byte by byte, including ones no sane
// tool would produce (traversal, symlink escapes, bad checksums).
#pragma once

#include <cstdio>
#include <cstring>
#include <string>

namespace vmi::image::testing {

class TarBuilder {
 public:
  // ustar header; `type` is the typeflag. Data is padded to 512 bytes.
  TarBuilder& Add(const std::string& name, char type, const std::string& data = "",
                  const std::string& link = "", int mode = 0644) {
    std::string h(512, '\0');
    memcpy(&h[0], name.data(), std::min<size_t>(name.size(), 100));
    Octal(h, 100, 8, mode);
    Octal(h, 108, 8, 0);
    Octal(h, 116, 8, 0);
    Octal(h, 124, 12, data.size());
    Octal(h, 136, 12, 1700000000);
    h[156] = type;
    memcpy(&h[157], link.data(), std::min<size_t>(link.size(), 100));
    memcpy(&h[257], "ustar\0" "00", 8);
    memset(&h[148], ' ', 8);
    unsigned sum = 0;
    for (unsigned char c : h) sum += c;
    char buf[8];
    snprintf(buf, sizeof buf, "%06o", sum);
    memcpy(&h[148], buf, 7);  // six digits, NUL, and the space stays
    out_ += h;
    out_ += data;
    out_.append((512 - data.size() % 512) % 512, '\0');
    return *this;
  }
  TarBuilder& File(const std::string& name, const std::string& data, int mode = 0644) {
    return Add(name, '0', data, "", mode);
  }
  TarBuilder& Dir(const std::string& name) { return Add(name, '5', "", "", 0755); }
  TarBuilder& Symlink(const std::string& name, const std::string& target) {
    return Add(name, '2', "", target, 0777);
  }
  TarBuilder& Pax(const std::string& key, const std::string& value) {
    std::string rec = " " + key + "=" + value + "\n";
    size_t len = rec.size() + 1;
    while (std::to_string(len).size() + rec.size() != len) ++len;
    return Add("PaxHeaders/x", 'x', std::to_string(len) + rec);
  }
  std::string Finish() const { return out_ + std::string(1024, '\0'); }
  std::string Unterminated() const { return out_; }

 private:
  static void Octal(std::string& h, size_t off, size_t len, unsigned long long v) {
    char buf[32];
    snprintf(buf, sizeof buf, "%0*llo", static_cast<int>(len - 1), v);
    memcpy(&h[off], buf, len - 1);
  }
  std::string out_;
};

}  // namespace vmi::image::testing
