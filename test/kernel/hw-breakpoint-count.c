/* What this machine's hardware breakpoints deliver, without BPF: opens a write breakpoint
 * counter on a variable of its own (PERF_TYPE_BREAKPOINT, as watchpoint probes use), writes
 * the variable N times, and prints the count the kernel kept. A virtual machine whose
 * hypervisor does not pass debug registers through accepts the breakpoint and counts 0. */
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile long target;

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 9;
  struct perf_event_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.type = PERF_TYPE_BREAKPOINT;
  attr.size = sizeof attr;
  attr.bp_type = HW_BREAKPOINT_W;
  attr.bp_addr = (uintptr_t)&target;
  attr.bp_len = HW_BREAKPOINT_LEN_8;
  attr.exclude_kernel = 1;
  attr.exclude_hv = 1;
  int fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
  if (fd < 0) {
    perror("perf_event_open");
    return 1;
  }
  for (long i = 0; i < n; i++) target = i;
  long long count = 0;
  if (read(fd, &count, sizeof count) != sizeof count) return 2;
  printf("%lld\n", count);
  return 0;
}
