// Artifact signatures: Ed25519 (libsodium) over every byte of an artifact, so also over
// its descriptor's claims (input module hash, compiler version, target CPU, options).
//
//   kiln keygen -o ci-key               ci-key (secret, mode 0600) and ci-key.pub
//   kilnc app.wasm --sign ci-key -o app.so
//   kiln verify --key ci-key.pub app.so
//   kiln run --require-signature ci-key.pub app.so
//
// A signed artifact is the artifact followed by a 120-byte signature block:
//   "KILNSIG1", signed length (u64 LE), signer's public key (32), signature (64), "KILNSIGE"
// The signature is Ed25519ph over "kiln-artifact-signature-v1\0", the signed length, the
// artifact's bytes and the signer's public key. The loader checks it on the file's bytes
// before anything is mapped; the key in the block only names the signer in messages; the
// key that counts is the one the operator gives.
#ifndef KILN_LOADER_SIGNATURE_H
#define KILN_LOADER_SIGNATURE_H

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace kiln {

struct PublicKey {
  std::array<uint8_t, 32> bytes{};
  // A short name for messages: the first 8 bytes in hex.
  std::string Id() const;
  bool operator==(const PublicKey&) const = default;
};

struct SecretKey {
  std::array<uint8_t, 64> bytes{};  // libsodium's form: seed and public key
  PublicKey Public() const;
};

inline constexpr size_t kSignatureBlockSize = 120;

struct SignatureInfo {
  PublicKey signer;
  std::array<uint8_t, 64> signature{};
  uint64_t signed_length = 0;  // the artifact's own bytes, before the block
};

// A new random key pair.
SecretKey GenerateKey();

// Key files: one line, "kiln-ed25519-public-key HEX" / "kiln-ed25519-secret-key HEX".
std::string FormatPublicKey(const PublicKey& key);
std::string FormatSecretKey(const SecretKey& key);
absl::StatusOr<PublicKey> ReadPublicKeyFile(const std::string& path);
absl::StatusOr<SecretKey> ReadSecretKeyFile(const std::string& path);
// Writes `path` (secret, mode 0600) and `path`.pub; never overwrites an existing file.
absl::Status WriteKeyFiles(const std::string& path, const SecretKey& key);

// `artifact` with a signature block appended. An artifact that is already signed has its
// old block replaced.
std::vector<uint8_t> SignArtifact(std::span<const uint8_t> artifact, const SecretKey& key);

// The signature block `file` ends with: nullopt if it has none; an error if it has a
// malformed one.
absl::StatusOr<std::optional<SignatureInfo>> FindSignature(std::span<const uint8_t> file);

// OK if `file` carries a valid signature by `key`; otherwise why not ("not signed",
// "signed by key X, not by the required key Y", "does not match the artifact").
absl::Status VerifySignature(std::span<const uint8_t> file, const PublicKey& key);

}  // namespace kiln

#endif  // KILN_LOADER_SIGNATURE_H
