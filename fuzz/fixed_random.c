/* The CI smoke run of scripts/fuzz.sh loads this in front of libc (LD_PRELOAD) so that the
 * fuzzers' randomly keyed hash maps (std's RandomState, which the regex crate's lazy DFA cache
 * uses) get the same keys every run: the code a given input runs, and so the coverage that
 * steers libFuzzer, is then the same from one run to the next, and a smoke run with a fixed
 * seed repeats itself exactly. Never used by the long runs, nor by anything outside the fuzzers. */
#include <stddef.h>
#include <sys/types.h>

ssize_t getrandom(void *buf, size_t len, unsigned int flags) {
  unsigned char *p = buf;
  (void)flags;
  for (size_t i = 0; i < len; i++) p[i] = (unsigned char)(i * 131 + 7);
  return (ssize_t)len;
}
