#include "kiln/Signature.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace kiln {
namespace {

constexpr char kBlockMagic[8] = {'K', 'I', 'L', 'N', 'S', 'I', 'G', '1'};
constexpr char kBlockEnd[8] = {'K', 'I', 'L', 'N', 'S', 'I', 'G', 'E'};
constexpr char kDomain[] = "kiln-artifact-signature-v1";  // with its NUL
constexpr char kPublicTag[] = "kiln-ed25519-public-key";
constexpr char kSecretTag[] = "kiln-ed25519-secret-key";

void InitSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) abort();  // no usable randomness source: nothing is safe
  });
}

std::string Hex(std::span<const uint8_t> bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
  out.pop_back();
  return out;
}

// The message signed: domain, signed length, artifact, signer.
void Digest(crypto_sign_state* state, std::span<const uint8_t> artifact, const PublicKey& signer) {
  crypto_sign_init(state);
  crypto_sign_update(state, reinterpret_cast<const unsigned char*>(kDomain), sizeof kDomain);
  uint8_t length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<uint8_t>(artifact.size() >> (8 * i));
  crypto_sign_update(state, length, sizeof length);
  crypto_sign_update(state, artifact.data(), artifact.size());
  crypto_sign_update(state, signer.bytes.data(), signer.bytes.size());
}

absl::StatusOr<std::string> ReadKeyLine(const std::string& path, std::string_view tag,
                                        size_t bytes) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string all = text.str();
  while (!all.empty() && (all.back() == '\n' || all.back() == '\r' || all.back() == ' ')) {
    all.pop_back();
  }
  const std::string prefix = std::string(tag) + " ";
  if (all.compare(0, prefix.size(), prefix) != 0 || all.size() != prefix.size() + 2 * bytes) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a kiln key file (expected \"",
                                                   std::string(tag), " <", 2 * bytes,
                                                   " hex digits>\")"));
  }
  const std::string_view line = std::string_view(all).substr(prefix.size());
  std::string out(bytes, '\0');
  size_t len = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), bytes, line.data(),
                     line.size(), nullptr, &len, nullptr) != 0 ||
      len != bytes) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": the key is not hexadecimal"));
  }
  return out;
}

absl::Status WriteNew(const std::string& path, const std::string& text, mode_t mode) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    return absl::AlreadyExistsError(
        absl::StrCat(path, ": cannot create: ", std::strerror(errno),
                     errno == EEXIST ? " (kiln keygen never overwrites a key)" : ""));
  }
  const bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  if (!ok) return absl::DataLossError(absl::StrCat(path, ": write failed"));
  return absl::OkStatus();
}

}  // namespace

std::string PublicKey::Id() const { return Hex(std::span(bytes).first(8)); }

PublicKey SecretKey::Public() const {
  PublicKey pk;
  crypto_sign_ed25519_sk_to_pk(pk.bytes.data(), bytes.data());
  return pk;
}

SecretKey GenerateKey() {
  InitSodium();
  SecretKey sk;
  PublicKey pk;
  crypto_sign_keypair(pk.bytes.data(), sk.bytes.data());
  return sk;
}

std::string FormatPublicKey(const PublicKey& key) {
  return absl::StrCat(kPublicTag, " ", Hex(key.bytes), "\n");
}

std::string FormatSecretKey(const SecretKey& key) {
  return absl::StrCat(kSecretTag, " ", Hex(key.bytes), "\n");
}

absl::StatusOr<PublicKey> ReadPublicKeyFile(const std::string& path) {
  InitSodium();
  absl::StatusOr<std::string> raw = ReadKeyLine(path, kPublicTag, 32);
  if (!raw.ok()) return raw.status();
  PublicKey key;
  std::memcpy(key.bytes.data(), raw->data(), 32);
  return key;
}

absl::StatusOr<SecretKey> ReadSecretKeyFile(const std::string& path) {
  InitSodium();
  absl::StatusOr<std::string> raw = ReadKeyLine(path, kSecretTag, 64);
  if (!raw.ok()) return raw.status();
  SecretKey key;
  std::memcpy(key.bytes.data(), raw->data(), 64);
  sodium_memzero(raw->data(), raw->size());
  // The second half is the public key of the first: a mismatch means a damaged file.
  unsigned char seed[crypto_sign_SEEDBYTES], derived_pk[crypto_sign_PUBLICKEYBYTES],
      derived_sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_ed25519_sk_to_seed(seed, key.bytes.data());
  crypto_sign_seed_keypair(derived_pk, derived_sk, seed);
  const bool consistent = std::memcmp(derived_pk, key.bytes.data() + 32, 32) == 0;
  sodium_memzero(seed, sizeof seed);
  sodium_memzero(derived_sk, sizeof derived_sk);
  if (!consistent) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": damaged secret key"));
  }
  return key;
}

absl::Status WriteKeyFiles(const std::string& path, const SecretKey& key) {
  if (absl::Status s = WriteNew(path, FormatSecretKey(key), 0600); !s.ok()) return s;
  return WriteNew(path + ".pub", FormatPublicKey(key.Public()), 0644);
}

std::vector<uint8_t> SignArtifact(std::span<const uint8_t> artifact, const SecretKey& key) {
  InitSodium();
  absl::StatusOr<std::optional<SignatureInfo>> old = FindSignature(artifact);
  if (old.ok() && old->has_value()) artifact = artifact.first((*old)->signed_length);
  const PublicKey signer = key.Public();
  crypto_sign_state state;
  Digest(&state, artifact, signer);
  uint8_t signature[64];
  crypto_sign_final_create(&state, signature, nullptr, key.bytes.data());

  std::vector<uint8_t> out(artifact.begin(), artifact.end());
  out.insert(out.end(), kBlockMagic, kBlockMagic + 8);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(artifact.size() >> (8 * i)));
  out.insert(out.end(), signer.bytes.begin(), signer.bytes.end());
  out.insert(out.end(), signature, signature + 64);
  out.insert(out.end(), kBlockEnd, kBlockEnd + 8);
  return out;
}

absl::StatusOr<std::optional<SignatureInfo>> FindSignature(std::span<const uint8_t> file) {
  if (file.size() < kSignatureBlockSize ||
      std::memcmp(file.data() + file.size() - 8, kBlockEnd, 8) != 0) {
    return std::nullopt;
  }
  const uint8_t* block = file.data() + file.size() - kSignatureBlockSize;
  if (std::memcmp(block, kBlockMagic, 8) != 0) {
    return absl::InvalidArgumentError("malformed signature block (bad magic)");
  }
  SignatureInfo info;
  for (int i = 0; i < 8; ++i) info.signed_length |= uint64_t{block[8 + i]} << (8 * i);
  if (info.signed_length != file.size() - kSignatureBlockSize) {
    return absl::InvalidArgumentError(
        "malformed signature block (its length does not match the file: truncated or "
        "spliced?)");
  }
  std::memcpy(info.signer.bytes.data(), block + 16, 32);
  std::memcpy(info.signature.data(), block + 48, 64);
  return info;
}

absl::Status VerifySignature(std::span<const uint8_t> file, const PublicKey& key) {
  InitSodium();
  absl::StatusOr<std::optional<SignatureInfo>> info = FindSignature(file);
  if (!info.ok()) {
    return absl::PermissionDeniedError(absl::StrCat("signature rejected: ", info.status().message()));
  }
  if (!info->has_value()) {
    return absl::PermissionDeniedError(
        absl::StrCat("not signed, and a signature by key ", key.Id(), " is required"));
  }
  const SignatureInfo& sig = **info;
  if (!(sig.signer == key)) {
    return absl::PermissionDeniedError(absl::StrCat("signed by key ", sig.signer.Id(),
                                                    ", not by the required key ", key.Id()));
  }
  crypto_sign_state state;
  Digest(&state, file.first(sig.signed_length), key);
  std::array<uint8_t, 64> signature = sig.signature;
  if (crypto_sign_final_verify(&state, signature.data(), key.bytes.data()) != 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("the signature by key ", key.Id(),
                     " does not match the artifact (changed after signing?)"));
  }
  return absl::OkStatus();
}

}  // namespace kiln
