// Directory listing: a directory of 300 entries with names from 1 to 240 bytes (so that
// wasi-libc needs many fd_readdir calls, each continuing from a cookie, with entries
// split across its buffer), files / subdirectories / symlinks told apart by d_type,
// telldir + seekdir back to a saved position (replays the same entries), rewinddir,
// fdopendir, scandir, an empty directory, listing after deletions, and errors (opendir of
// a file / of a missing path, readdir after the end). Names are always sorted before
// printing: readdir order is the host file system's. "." and ".." are skipped.
// WASI: fd_readdir (with cookies), path_open (O_DIRECTORY), fd_close, path_filestat_get,
// path_create_directory, path_symlink, path_unlink_file, path_remove_directory.
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "wasi_test.h"

#define N 300

static int cmpstr(const void* a, const void* b) { return strcmp(*(char* const*)a, *(char* const*)b); }

static int dots(const char* n) { return strcmp(n, ".") == 0 || strcmp(n, "..") == 0; }

static const char* dtype(unsigned char t) {
  switch (t) {
    case DT_REG: return "f";
    case DT_DIR: return "d";
    case DT_LNK: return "l";
    case DT_UNKNOWN: return "?";
    default: return "other";
  }
}

// The name of entry i: a 3-digit prefix and then i*37 % 240 more letters.
static void entry_name(int i, char* out) {
  int extra = (i * 37) % 240;
  int n = sprintf(out, "%03d_", i);
  for (int k = 0; k < extra; ++k) out[n + k] = (char)('a' + (i + k) % 26);
  out[n + extra] = 0;
}

// Reads the rest of d into a list of "name:type" strings (without . and ..). Returns count.
static int read_rest(DIR* d, char** out, int max) {
  int n = 0;
  struct dirent* e;
  while ((e = readdir(d)) != NULL) {
    if (dots(e->d_name)) continue;
    if (n < max) {
      size_t l = strlen(e->d_name);
      out[n] = malloc(l + 8);
      sprintf(out[n], "%s:%s", e->d_name, dtype(e->d_type));
    }
    ++n;
  }
  return n;
}

static void free_list(char** v, int n) {
  for (int i = 0; i < n; ++i) free(v[i]);
}

// Prints a fingerprint of a sorted list, plus its first and last few names.
static void summarize(const char* label, char** v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmpstr);
  uint64_t h = FNV_INIT;
  for (int i = 0; i < n; ++i) h = fnv1a(v[i], strlen(v[i]) + 1, h);
  printf("%s: %d entries, hash %016llx\n", label, n, (unsigned long long)h);
}

int main(void) {
  report("mkdir big", mkdir("big", 0755));
  char name[300], path[320];
  for (int i = 0; i < N; ++i) {
    entry_name(i, name);
    snprintf(path, sizeof path, "big/%s", name);
    if (i % 50 == 7) {
      if (mkdir(path, 0755) != 0) printf("mkdir %s: %s\n", path, errno_name(errno));
    } else if (i % 50 == 13) {
      if (symlink("000_", path) != 0) printf("symlink %s: %s\n", path, errno_name(errno));
    } else {
      int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
      if (fd < 0) {
        printf("create %s: %s\n", path, errno_name(errno));
        continue;
      }
      if (i % 3 == 0 && write(fd, name, strlen(name)) < 0) printf("write: %s\n", errno_name(errno));
      close(fd);
    }
  }

  // Full listing.
  static char* all[N + 10];
  DIR* d = opendir("big");
  printf("opendir big: %s\n", d ? "ok" : errno_name(errno));
  int n = read_rest(d, all, N + 10);
  printf("readdir after the end: %s\n", readdir(d) == NULL ? "NULL" : "entry?!");
  summarize("big", all, n);
  int counts[4] = {0, 0, 0, 0};
  for (int i = 0; i < n; ++i) {
    const char* t = strrchr(all[i], ':') + 1;
    counts[t[0] == 'f' ? 0 : t[0] == 'd' ? 1 : t[0] == 'l' ? 2 : 3]++;
  }
  printf("types: %d files, %d dirs, %d symlinks, %d other\n", counts[0], counts[1], counts[2], counts[3]);
  for (int i = 0; i < 3; ++i) printf("  first: %s\n", all[i]);
  printf("  last: %.60s...\n", all[n - 1]);
  size_t longest = 0;
  for (int i = 0; i < n; ++i)
    if (strlen(all[i]) > longest) longest = strlen(all[i]);
  printf("longest entry: %zu bytes with type\n", longest);
  int missing = 0;
  for (int i = 0; i < N; ++i) {
    entry_name(i, name);
    int found = 0;
    for (int k = 0; k < n && !found; ++k) found = strncmp(all[k], name, strlen(name)) == 0 && all[k][strlen(name)] == ':';
    missing += !found;
  }
  printf("created names missing from the listing: %d\n", missing);
  free_list(all, n);

  // telldir / seekdir: remember a position in the middle, finish, go back, and read
  // exactly the same entries again.
  rewinddir(d);
  int skipped = 0;
  struct dirent* e;
  while (skipped < 123 && (e = readdir(d)) != NULL) skipped++;
  long pos = telldir(d);
  static char* tail1[N + 10];
  static char* tail2[N + 10];
  int t1 = read_rest(d, tail1, N + 10);
  seekdir(d, pos);
  int t2 = read_rest(d, tail2, N + 10);
  int same = t1 == t2;
  for (int i = 0; same && i < t1; ++i) same = strcmp(tail1[i], tail2[i]) == 0;
  printf("telldir after 123 entries, seekdir back: replay %s\n", same ? "identical" : "DIFFERENT");
  printf("entries after the position + skipped = all: %s\n", t1 + skipped == n + 2 || t1 + skipped == n ? "yes" : "no");
  free_list(tail1, t1);
  free_list(tail2, t2);
  rewinddir(d);
  n = read_rest(d, all, N + 10);
  summarize("after rewinddir", all, n);
  free_list(all, n);
  // A position taken at the very start.
  rewinddir(d);
  pos = telldir(d);
  while (readdir(d) != NULL) {
  }
  seekdir(d, pos);
  n = read_rest(d, all, N + 10);
  summarize("seekdir to the start position", all, n);
  free_list(all, n);
  report("closedir", closedir(d));

  // fdopendir on an opened directory.
  int fd = open("big", O_RDONLY | O_DIRECTORY);
  d = fdopendir(fd);
  printf("fdopendir: %s\n", d ? "ok" : errno_name(errno));
  printf("dirfd matches: %s\n", d && dirfd(d) == fd ? "yes" : "no");
  n = read_rest(d, all, N + 10);
  summarize("fdopendir", all, n);
  free_list(all, n);
  closedir(d);

  // scandir with alphasort (sorted by the library itself).
  struct dirent** list;
  n = scandir("big", &list, NULL, alphasort);
  printf("scandir: %d entries (with . and .. if the system lists them)\n", n < 0 ? n : n - (n > N ? 2 : 0));
  int sorted = 1, k = 0;
  const char* prev = "";
  for (int i = 0; i < n; ++i) {
    if (!dots(list[i]->d_name)) {
      if (strcmp(prev, list[i]->d_name) >= 0) sorted = 0;
      prev = list[i]->d_name;
      if (k++ < 2) printf("  scandir[%d] = %s\n", k - 1, list[i]->d_name);
    }
    free(list[i]);
  }
  free(list);
  printf("scandir order sorted: %s\n", sorted ? "yes" : "no");

  // Delete every other entry and list again.
  d = opendir("big");
  n = read_rest(d, all, N + 10);
  closedir(d);
  qsort(all, (size_t)n, sizeof *all, cmpstr);
  int removed = 0;
  for (int i = 0; i < n; i += 2) {
    char* colon = strrchr(all[i], ':');
    *colon = 0;
    snprintf(path, sizeof path, "big/%s", all[i]);
    int r = colon[1] == 'd' ? rmdir(path) : unlink(path);
    if (r != 0) printf("remove %s: %s\n", path, errno_name(errno));
    else removed++;
  }
  free_list(all, n);
  printf("removed %d\n", removed);
  d = opendir("big");
  n = read_rest(d, all, N + 10);
  summarize("after removing half", all, n);
  free_list(all, n);
  closedir(d);

  // An empty directory, and errors.
  mkdir("empty", 0755);
  d = opendir("empty");
  n = read_rest(d, all, 4);
  printf("empty: %d entries\n", n);
  closedir(d);
  close(open("plain.txt", O_WRONLY | O_CREAT, 0644));
  d = opendir("plain.txt");
  printf("opendir plain.txt: %s\n", d ? "opened?!" : errno_name(errno));
  d = opendir("nonexistent");
  printf("opendir nonexistent: %s\n", d ? "opened?!" : errno_name(errno));
  fd = open("plain.txt", O_RDONLY);
  d = fdopendir(fd);
  // ENOTDIR natively; a WASI host may also say ENOTCAPABLE (a file descriptor has no
  // fd_readdir right): both are a refusal.
  printf("fdopendir on a file: %s\n", d ? "opened?!"
#ifdef ENOTCAPABLE
                                       : errno == ENOTCAPABLE ? "ENOTDIR"
#endif
                                                              : errno_name(errno));
  close(fd);
  // The sandbox root itself.
  d = opendir(".");
  n = read_rest(d, all, N + 10);
  qsort(all, (size_t)n, sizeof *all, cmpstr);
  printf(".:");
  for (int i = 0; i < n; ++i) printf(" %s", all[i]);
  printf("\n");
  free_list(all, n);
  closedir(d);
  return 0;
}
