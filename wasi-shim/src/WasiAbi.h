// wasi_snapshot_preview1 constants and struct layouts (wasm32: pointers and sizes are u32).
#ifndef KILN_WASI_WASI_ABI_H
#define KILN_WASI_WASI_ABI_H

#include <cstdint>

namespace kiln::wasi::abi {

// filetype
enum : uint8_t {
  kFiletypeUnknown = 0,
  kFiletypeBlockDevice = 1,
  kFiletypeCharacterDevice = 2,
  kFiletypeDirectory = 3,
  kFiletypeRegularFile = 4,
  kFiletypeSocketDgram = 5,
  kFiletypeSocketStream = 6,
  kFiletypeSymbolicLink = 7,
};

// rights
enum : uint64_t {
  kRightFdDatasync = 1ull << 0,
  kRightFdRead = 1ull << 1,
  kRightFdSeek = 1ull << 2,
  kRightFdFdstatSetFlags = 1ull << 3,
  kRightFdSync = 1ull << 4,
  kRightFdTell = 1ull << 5,
  kRightFdWrite = 1ull << 6,
  kRightFdAdvise = 1ull << 7,
  kRightFdAllocate = 1ull << 8,
  kRightPathCreateDirectory = 1ull << 9,
  kRightPathCreateFile = 1ull << 10,
  kRightPathLinkSource = 1ull << 11,
  kRightPathLinkTarget = 1ull << 12,
  kRightPathOpen = 1ull << 13,
  kRightFdReaddir = 1ull << 14,
  kRightPathReadlink = 1ull << 15,
  kRightPathRenameSource = 1ull << 16,
  kRightPathRenameTarget = 1ull << 17,
  kRightPathFilestatGet = 1ull << 18,
  kRightPathFilestatSetSize = 1ull << 19,
  kRightPathFilestatSetTimes = 1ull << 20,
  kRightFdFilestatGet = 1ull << 21,
  kRightFdFilestatSetSize = 1ull << 22,
  kRightFdFilestatSetTimes = 1ull << 23,
  kRightPathSymlink = 1ull << 24,
  kRightPathRemoveDirectory = 1ull << 25,
  kRightPathUnlinkFile = 1ull << 26,
  kRightPollFdReadwrite = 1ull << 27,
  kRightSockShutdown = 1ull << 28,
  kRightSockAccept = 1ull << 29,
  kRightsAll = (1ull << 30) - 1,
};

// What each kind of descriptor can do at most. Seek and tell are added for a file that has
// a position; a directory never gets them (nor read, write or resize rights), as in
// wasmtime: its listing goes by fd_readdir cookies.
inline constexpr uint64_t kRightsRegularFile =
    kRightFdDatasync | kRightFdRead | kRightFdSeek | kRightFdFdstatSetFlags | kRightFdSync |
    kRightFdTell | kRightFdWrite | kRightFdAdvise | kRightFdAllocate | kRightFdFilestatGet |
    kRightFdFilestatSetSize | kRightFdFilestatSetTimes | kRightPollFdReadwrite;
inline constexpr uint64_t kRightsDirectory =
    kRightFdFdstatSetFlags | kRightFdSync | kRightFdAdvise | kRightPathCreateDirectory |
    kRightPathCreateFile | kRightPathLinkSource | kRightPathLinkTarget | kRightPathOpen |
    kRightFdReaddir | kRightPathReadlink | kRightPathRenameSource | kRightPathRenameTarget |
    kRightPathFilestatGet | kRightPathFilestatSetSize | kRightPathFilestatSetTimes |
    kRightFdFilestatGet | kRightFdFilestatSetTimes | kRightPathSymlink |
    kRightPathRemoveDirectory | kRightPathUnlinkFile | kRightFdDatasync;
// Terminals, pipes and character devices: no seek/tell (wasi-libc's isatty looks for that).
inline constexpr uint64_t kRightsStream = kRightFdRead | kRightFdWrite | kRightFdFdstatSetFlags |
                                          kRightFdFilestatGet | kRightPollFdReadwrite |
                                          kRightFdDatasync | kRightFdSync | kRightFdAdvise;
inline constexpr uint64_t kRightsSocket = kRightFdRead | kRightFdWrite | kRightFdFdstatSetFlags |
                                          kRightFdFilestatGet | kRightPollFdReadwrite |
                                          kRightSockShutdown;
inline constexpr uint64_t kRightsListeningSocket =
    kRightSockAccept | kRightFdFdstatSetFlags | kRightFdFilestatGet | kRightPollFdReadwrite;
// Everything that changes the file system; a read-only pre-open hands none of these down.
inline constexpr uint64_t kRightsMutating =
    kRightFdWrite | kRightFdAllocate | kRightFdFilestatSetSize | kRightFdFilestatSetTimes |
    kRightPathCreateDirectory | kRightPathCreateFile | kRightPathLinkSource |
    kRightPathLinkTarget | kRightPathRenameSource | kRightPathRenameTarget |
    kRightPathFilestatSetSize | kRightPathFilestatSetTimes | kRightPathSymlink |
    kRightPathRemoveDirectory | kRightPathUnlinkFile;

// The rights each file-system capability (kiln_sandbox) governs. Creating and removing
// names go together, as with unveil's "c"; a link or rename source needs it too, so a
// file cannot be carried out of a subtree that may only be read.
inline constexpr uint64_t kRightsFsRead = kRightFdRead | kRightFdReaddir | kRightPathReadlink |
                                          kRightPathFilestatGet | kRightFdFilestatGet;
inline constexpr uint64_t kRightsFsWrite =
    kRightFdWrite | kRightFdDatasync | kRightFdSync | kRightFdAllocate |
    kRightFdFilestatSetSize | kRightFdFilestatSetTimes | kRightPathFilestatSetSize |
    kRightPathFilestatSetTimes;
inline constexpr uint64_t kRightsFsCreate =
    kRightPathCreateDirectory | kRightPathCreateFile | kRightPathLinkSource |
    kRightPathLinkTarget | kRightPathRenameSource | kRightPathRenameTarget | kRightPathSymlink |
    kRightPathRemoveDirectory | kRightPathUnlinkFile;
// Rights no capability governs on their own; they go with the last file-system one.
inline constexpr uint64_t kRightsFsNeutral = kRightFdSeek | kRightFdTell | kRightFdAdvise |
                                             kRightFdFdstatSetFlags | kRightPathOpen |
                                             kRightPollFdReadwrite;

// fdflags
enum : uint16_t {
  kFdflagAppend = 1,
  kFdflagDsync = 2,
  kFdflagNonblock = 4,
  kFdflagRsync = 8,
  kFdflagSync = 16,
};
// oflags
enum : uint16_t {
  kOflagCreat = 1,
  kOflagDirectory = 2,
  kOflagExcl = 4,
  kOflagTrunc = 8,
};
// lookupflags
enum : uint32_t { kLookupSymlinkFollow = 1 };
// fstflags
enum : uint16_t {
  kFstflagAtim = 1,
  kFstflagAtimNow = 2,
  kFstflagMtim = 4,
  kFstflagMtimNow = 8,
};
// whence
enum : uint8_t { kWhenceSet = 0, kWhenceCur = 1, kWhenceEnd = 2 };
// clockid
enum : uint32_t {
  kClockRealtime = 0,
  kClockMonotonic = 1,
  kClockProcessCputime = 2,
  kClockThreadCputime = 3,
};
// eventtype, subclockflags, eventrwflags
enum : uint8_t { kEventClock = 0, kEventFdRead = 1, kEventFdWrite = 2 };
enum : uint16_t { kSubclockAbstime = 1 };
enum : uint16_t { kEventFdReadwriteHangup = 1 };
// riflags, roflags, sdflags
enum : uint16_t { kRecvPeek = 1, kRecvWaitall = 2 };
enum : uint16_t { kRecvDataTruncated = 1 };
enum : uint8_t { kShutRd = 1, kShutWr = 2 };
// preopentype
enum : uint8_t { kPreopentypeDir = 0 };

// Struct sizes.
inline constexpr uint32_t kFdstatSize = 24;     // filetype@0 u8, flags@2 u16, base@8, inh@16
inline constexpr uint32_t kFilestatSize = 64;   // dev@0 ino@8 type@16 nlink@24 size@32 a@40 m@48 c@56
inline constexpr uint32_t kDirentSize = 24;     // next@0 ino@8 namlen@16 u32 type@20 u8
inline constexpr uint32_t kPrestatSize = 8;     // tag@0 u8, name_len@4 u32
inline constexpr uint32_t kSubscriptionSize = 48;
inline constexpr uint32_t kEventSize = 32;
inline constexpr uint32_t kIovecSize = 8;       // buf@0 u32, len@4 u32

}  // namespace kiln::wasi::abi

#endif  // KILN_WASI_WASI_ABI_H
