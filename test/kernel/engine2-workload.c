/* The user-space workload of the engine2 differential tests (uprobes, USDT, stacks).
 * Usage: engine2-workload N [linger]
 *   for i in 0..N-1: e2_args(6 arguments), e2_neg(i), e2_str("item-i", i), e2lib_add(i, 100)
 *   (from libe2.so), and the USDT probes e2:regs, e2:konst, e2:mem and e2:guarded
 *   (semaphore-guarded), and e2:twice(i, 1) and e2:twice(i, 2) from two call sites (one probe,
 *   two locations), then e2_rec(&record, i) (a struct with a nested struct, a pointer to
 *   another, a string pointer, a char array and an enum) and e2_small(6 narrow integers).
 *   Then e2_done(N). With "linger" it sleeps 2 s after e2_done, so a
 *   tracer that exits from e2_done still sees the process alive while it prints its maps.
 * Built by the test (-O2 -g: uprobe `args` come from its DWARF): PIE and non-PIE, linked
 * against libe2.so (engine2-lib.c). */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int e2lib_add(int a, int b);

/* <sys/sdt.h> gives every probe a semaphore once _SDT_HAS_SEMAPHORES is set; only
 * e2:guarded tests it. */
#define E2_SEMAPHORE(name) \
  unsigned short e2_##name##_semaphore __attribute__((unused)) __attribute__((section(".probes")))
E2_SEMAPHORE(guarded);
E2_SEMAPHORE(regs);
E2_SEMAPHORE(konst);
E2_SEMAPHORE(mem);
E2_SEMAPHORE(twice);

__attribute__((noinline)) long e2_args(long a, long b, int c, unsigned d, long e, long f) {
  __asm__ volatile("" ::: "memory");
  return a + b + c + d + e + f;
}

__attribute__((noinline)) int e2_neg(int i) {
  __asm__ volatile("" ::: "memory");
  return -i - 1;
}

__attribute__((noinline)) unsigned long e2_str(const char *s, int n) {
  __asm__ volatile("" ::: "memory");
  return strlen(s) + (unsigned long)n;
}

/* -O0: the compiler keeps the arguments in stack slots, so the notes have memory operands. */
__attribute__((noinline, optimize("O0"))) void e2_mem(int i, long j) {
  int local = i * 7;
  long wide = j - 3;
  DTRACE_PROBE2(e2, mem, local, wide);
}

struct e2_inner {
  short a;
  unsigned char b;
  long c;
};

enum e2_color { E2_RED, E2_GREEN = 5, E2_BLUE };

struct e2_record {
  int id;
  struct e2_inner in;
  struct e2_inner *pin;
  const char *name;
  char tag[8];
  enum e2_color col;
};

typedef unsigned long e2_ulong;

/* Reads every field, so the caller's stores (the pointed-to struct too) stay. */
__attribute__((noinline)) long e2_rec(struct e2_record *r, int k) {
  __asm__ volatile("" ::: "memory");
  return r->id + r->in.a + r->in.b + r->in.c + r->pin->a + r->pin->b + r->pin->c +
         (long)strlen(r->name) + r->tag[0] + r->col + k;
}

__attribute__((noinline)) long e2_small(short s, char c, unsigned char uc, unsigned short us,
                                        signed char sc, e2_ulong x) {
  __asm__ volatile("" ::: "memory");
  return s + c + uc + us + sc + (long)x;
}

__attribute__((noinline)) void e2_done(long n) {
  __asm__ volatile("" ::: "memory");
  (void)n;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 10;
  int linger = argc > 2 && strcmp(argv[2], "linger") == 0;
  long sum = 0;
  char name[32];
  for (long i = 0; i < n; i++) {
    sum += e2_args(i, -i, (int)(i * 3), 0xffffffffu - (unsigned)i, (1L << 40) + i, -7);
    sum += e2_neg((int)i);
    snprintf(name, sizeof name, "item-%ld", i);
    sum += (long)e2_str(name, (int)i);
    sum += e2lib_add((int)i, 100);
    DTRACE_PROBE3(e2, regs, i, (int)-i, (unsigned char)(i & 0xff));
    DTRACE_PROBE2(e2, konst, 5, -9);
    e2_mem((int)i, i * 1000);
    if (e2_guarded_semaphore) DTRACE_PROBE1(e2, guarded, i + 1);
    DTRACE_PROBE2(e2, twice, i, 1);
    DTRACE_PROBE2(e2, twice, i, 2);
    struct e2_inner pointed = {(short)(-3 - i), (unsigned char)(200 + i), (1L << 40) + i};
    struct e2_record rec = {
        .id = (int)(42 + i),
        .in = {(short)(-7 * (i + 1)), (unsigned char)(250 - i), 123456789012L * (i + 1)},
        .pin = &pointed,
        .name = name,
        .tag = "tagtag",
        .col = i % 2 ? E2_BLUE : E2_GREEN,
    };
    sum += e2_rec(&rec, (int)i);
    sum += e2_small((short)(-300 - i), (char)('a' + i), (unsigned char)(250 + i),
                    (unsigned short)(65535 - i), (signed char)(-1 - i), ~0UL - (unsigned long)i);
  }
  e2_done(n);
  if (linger) sleep(2);
  return sum == 0 ? 3 : 0;
}
