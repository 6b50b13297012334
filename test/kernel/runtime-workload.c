/* A deterministic workload for the runtime and differential tests.
 * Usage: runtime-workload N [MODE]
 *   calls bpfq_work(i) for i in 0..N-1: each does getppid() once, writes i bytes to /dev/null
 *   (0..N-1), and fires USDT probe bpfq:tick(i) (semaphore-guarded).
 * MODE "wait" first waits for a newline on stdin (so a test can attach before it runs).
 * MODE "watch" waits too, and stores i into a u64 at the fixed address 0x10000000 (for
 * watchpoints). Waiting on an empty stdin (/dev/null) returns at once. */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

unsigned short bpfq_tick_semaphore __attribute__((unused)) __attribute__((section(".probes")));

static char buffer[4096];

__attribute__((noinline)) long bpfq_work(long i, int fd) {
  long r = getppid();
  r += write(fd, buffer, (size_t)(i % sizeof buffer));
  if (bpfq_tick_semaphore) DTRACE_PROBE1(bpfq, tick, i);
  __asm__ volatile("" ::: "memory");
  return r;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 10;
  if (argc > 2 && (strcmp(argv[2], "wait") == 0 || strcmp(argv[2], "watch") == 0)) {
    char c;
    if (read(0, &c, 1) < 0) return 2;
  }
  volatile long *watched = 0;
  if (argc > 2 && strcmp(argv[2], "watch") == 0) {
    void *p = mmap((void *)0x10000000, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (p == MAP_FAILED) return 4;
    watched = p;
  }
  int fd = open("/dev/null", O_WRONLY);
  if (fd < 0) return 1;
  long sum = 0;
  for (long i = 0; i < n; i++) {
    sum += bpfq_work(i, fd);
    if (watched) *watched = i;
  }
  close(fd);
  return sum == 0 ? 3 : 0;
}
