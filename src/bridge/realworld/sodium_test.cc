// libsodium as Android apps ship it (react-native-libsodium's prebuilt
// x86_64 libsodium.so, fetched from npm by the fixture) against Debian's
// libsodium built for the host: the same inputs must give the same bytes
// for hashing, signatures, authenticated encryption, key exchange and
// Argon2 password hashing, and the bridged library's own checks (a forged
// signature, a tampered box) must fail as they do on the host.
#include <sodium.h>

#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bridge/bridge.h"
#include "bridge/testing/test_objects.h"

namespace vmi::bridge {
namespace {

using Bytes = std::vector<unsigned char>;

class SodiumTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_GE(sodium_init(), 0);
    const std::string lib = testing::AndroidTarget("sodium", "libsodium.so");
    handle_ = bridge_dlopen(lib.c_str(), BRIDGE_RTLD_NOW);
    if (handle_ == nullptr) error_ = bridge_dlerror();
  }
  void SetUp() override {
    ASSERT_NE(handle_, nullptr) << error_;
    auto init = Fn<int (*)()>("sodium_init");
    ASSERT_GE(init(), 0);
  }
  template <typename F>
  F Fn(const char* name) {
    auto f = reinterpret_cast<F>(bridge_dlsym(handle_, name));
    EXPECT_NE(f, nullptr) << name;
    return f;
  }
  static Bytes Message(size_t n) {
    Bytes m(n);
    for (size_t i = 0; i < n; ++i) m[i] = static_cast<unsigned char>(i * 131 + 7);
    return m;
  }
  static inline void* handle_ = nullptr;
  static inline std::string error_;
};

TEST_F(SodiumTest, IsTheAndroidBuild) {
  auto version = Fn<const char* (*)()>("sodium_version_string");
  ASSERT_NE(version, nullptr);
  EXPECT_STREQ(version(), "1.0.21");
}

TEST_F(SodiumTest, GenericHashMatchesTheHostLibrary) {
  auto hash = Fn<int (*)(unsigned char*, size_t, const unsigned char*, unsigned long long, const unsigned char*,
                         size_t)>("crypto_generichash");
  for (size_t n : {0, 1, 63, 64, 65, 1000, 1 << 20}) {
    const Bytes m = Message(n);
    const Bytes key = Message(32);
    Bytes android(64), host(64);
    ASSERT_EQ(hash(android.data(), android.size(), m.data(), m.size(), key.data(), key.size()), 0);
    ASSERT_EQ(crypto_generichash(host.data(), host.size(), m.data(), m.size(), key.data(), key.size()), 0);
    EXPECT_EQ(android, host) << n << " bytes";
  }
}

TEST_F(SodiumTest, Ed25519SignaturesMatchAndVerify) {
  auto keypair = Fn<int (*)(unsigned char*, unsigned char*, const unsigned char*)>("crypto_sign_seed_keypair");
  auto sign = Fn<int (*)(unsigned char*, unsigned long long*, const unsigned char*, unsigned long long,
                         const unsigned char*)>("crypto_sign_detached");
  auto verify = Fn<int (*)(const unsigned char*, const unsigned char*, unsigned long long, const unsigned char*)>(
      "crypto_sign_verify_detached");
  const Bytes seed = Message(crypto_sign_SEEDBYTES);
  Bytes pk(crypto_sign_PUBLICKEYBYTES), sk(crypto_sign_SECRETKEYBYTES);
  Bytes host_pk(pk.size()), host_sk(sk.size());
  ASSERT_EQ(keypair(pk.data(), sk.data(), seed.data()), 0);
  ASSERT_EQ(crypto_sign_seed_keypair(host_pk.data(), host_sk.data(), seed.data()), 0);
  EXPECT_EQ(pk, host_pk);
  const Bytes m = Message(1234);
  Bytes sig(crypto_sign_BYTES), host_sig(crypto_sign_BYTES);
  unsigned long long len = 0;
  ASSERT_EQ(sign(sig.data(), &len, m.data(), m.size(), sk.data()), 0);
  ASSERT_EQ(crypto_sign_detached(host_sig.data(), nullptr, m.data(), m.size(), host_sk.data()), 0);
  EXPECT_EQ(len, crypto_sign_BYTES);
  EXPECT_EQ(sig, host_sig);
  EXPECT_EQ(verify(host_sig.data(), m.data(), m.size(), pk.data()), 0);
  sig[10] ^= 1;
  EXPECT_EQ(verify(sig.data(), m.data(), m.size(), pk.data()), -1);
}

TEST_F(SodiumTest, SecretboxAndAeadRoundTripWithTheHost) {
  auto box = Fn<int (*)(unsigned char*, const unsigned char*, unsigned long long, const unsigned char*,
                        const unsigned char*)>("crypto_secretbox_easy");
  auto open = Fn<int (*)(unsigned char*, const unsigned char*, unsigned long long, const unsigned char*,
                         const unsigned char*)>("crypto_secretbox_open_easy");
  const Bytes key = Message(crypto_secretbox_KEYBYTES), nonce = Message(crypto_secretbox_NONCEBYTES);
  const Bytes m = Message(5000);
  Bytes c(m.size() + crypto_secretbox_MACBYTES), host_c(c.size());
  ASSERT_EQ(box(c.data(), m.data(), m.size(), nonce.data(), key.data()), 0);
  ASSERT_EQ(crypto_secretbox_easy(host_c.data(), m.data(), m.size(), nonce.data(), key.data()), 0);
  EXPECT_EQ(c, host_c);
  Bytes back(m.size());
  ASSERT_EQ(open(back.data(), host_c.data(), host_c.size(), nonce.data(), key.data()), 0);
  EXPECT_EQ(back, m);
  c[100] ^= 0x80;
  EXPECT_EQ(open(back.data(), c.data(), c.size(), nonce.data(), key.data()), -1);

  auto aead = Fn<int (*)(unsigned char*, unsigned long long*, const unsigned char*, unsigned long long,
                         const unsigned char*, unsigned long long, const unsigned char*, const unsigned char*,
                         const unsigned char*)>("crypto_aead_chacha20poly1305_ietf_encrypt");
  const Bytes ad = Message(20), akey = Message(32), anonce = Message(12);
  Bytes a(m.size() + 16), host_a(a.size());
  unsigned long long alen = 0;
  ASSERT_EQ(aead(a.data(), &alen, m.data(), m.size(), ad.data(), ad.size(), nullptr, anonce.data(), akey.data()), 0);
  ASSERT_EQ(crypto_aead_chacha20poly1305_ietf_encrypt(host_a.data(), nullptr, m.data(), m.size(), ad.data(),
                                                      ad.size(), nullptr, anonce.data(), akey.data()),
            0);
  EXPECT_EQ(alen, a.size());
  EXPECT_EQ(a, host_a);
}

TEST_F(SodiumTest, X25519AndArgon2MatchTheHost) {
  auto scalarmult = Fn<int (*)(unsigned char*, const unsigned char*)>("crypto_scalarmult_base");
  const Bytes secret = Message(32);
  Bytes pub(32), host_pub(32);
  ASSERT_EQ(scalarmult(pub.data(), secret.data()), 0);
  ASSERT_EQ(crypto_scalarmult_base(host_pub.data(), secret.data()), 0);
  EXPECT_EQ(pub, host_pub);

  auto pwhash = Fn<int (*)(unsigned char*, unsigned long long, const char*, unsigned long long, const unsigned char*,
                           unsigned long long, size_t, int)>("crypto_pwhash");
  const char* password = "correct horse battery staple";
  const Bytes salt = Message(crypto_pwhash_SALTBYTES);
  Bytes out(32), host_out(32);
  ASSERT_EQ(pwhash(out.data(), out.size(), password, strlen(password), salt.data(), 2, 1 << 20,
                   crypto_pwhash_ALG_ARGON2ID13),
            0);
  ASSERT_EQ(crypto_pwhash(host_out.data(), host_out.size(), password, strlen(password), salt.data(), 2, 1 << 20,
                          crypto_pwhash_ALG_ARGON2ID13),
            0);
  EXPECT_EQ(out, host_out);
}

TEST_F(SodiumTest, RandomBytesComeFromTheKernel) {
  auto random = Fn<void (*)(void*, size_t)>("randombytes_buf");
  Bytes a(64), b(64), zero(64);
  random(a.data(), a.size());
  random(b.data(), b.size());
  EXPECT_NE(a, zero);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace vmi::bridge
