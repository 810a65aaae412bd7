// WASI preview 1 errno values and the mapping from host errno.
#ifndef KILN_WASI_ERRNO_H
#define KILN_WASI_ERRNO_H

#include <cerrno>
#include <cstdint>

namespace kiln::wasi {

enum Errno : uint32_t {
  kSuccess = 0,
  kAcces = 2,
  kAgain = 6,
  kBadf = 8,
  kExist = 20,
  kFault = 21,
  kFbig = 22,
  kIntr = 27,
  kInval = 28,
  kIo = 29,
  kIsdir = 31,
  kNoent = 44,
  kNomem = 48,
  kNospc = 51,
  kNosys = 52,
  kNotdir = 54,
  kNotsup = 58,
  kOverflow = 61,
  kPerm = 63,
  kPipe = 64,
  kSpipe = 70,
};

inline uint32_t FromHostErrno(int e) {
  switch (e) {
    case EACCES: return kAcces;
    case EAGAIN: return kAgain;
    case EBADF: return kBadf;
    case EEXIST: return kExist;
    case EFAULT: return kFault;
    case EFBIG: return kFbig;
    case EINTR: return kIntr;
    case EINVAL: return kInval;
    case EISDIR: return kIsdir;
    case ENOENT: return kNoent;
    case ENOMEM: return kNomem;
    case ENOSPC: return kNospc;
    case ENOSYS: return kNosys;
    case ENOTDIR: return kNotdir;
    case EOVERFLOW: return kOverflow;
    case EPERM: return kPerm;
    case EPIPE: return kPipe;
    case ESPIPE: return kSpipe;
    default: return kIo;
  }
}

}  // namespace kiln::wasi

#endif  // KILN_WASI_ERRNO_H
