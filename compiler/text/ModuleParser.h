// The module parser and encoder shared by parseWat and parseWast.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "Lexer.h"

namespace kiln::text {

// Parses the module fields starting at toks[begin] (just after `(module $id?`, or at the
// start of a bare .wat) up to the first token that cannot start a field, and returns the
// module's binary encoding. *end receives the index of that token (`)` or Eof; the caller
// checks which one it expects). `name` becomes the module name in the `name` section.
// Throws ParseError.
// `wideImmediates`: offsets and limits are u64 literals (Wasm 3.0) rather than u32.
std::vector<uint8_t> encodeModule(const std::vector<Token>& toks, size_t begin, size_t* end,
                                  const std::optional<std::string>& name, bool wideImmediates);

// Index of the token after the parenthesised expression that opens at toks[open].
// Throws ParseError at an unclosed parenthesis.
size_t skipSexpr(const std::vector<Token>& toks, size_t open);

[[noreturn]] void failAt(const Token& t, std::string message);

// Parses a float literal token of the given width (32 or 64) into bits; throws.
uint64_t parseFloatToken(const Token& t, int bits);
// Parses an integer literal token of `bits` width (two's complement pattern); throws.
uint64_t parseIntToken(const Token& t, int bits);

}  // namespace kiln::text
