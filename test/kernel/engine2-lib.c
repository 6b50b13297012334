/* libe2.so for the engine2 workload: a shared library of the test's own, with a USDT probe
 * (no semaphore) e2lib:add(a, b). */
#include <sys/sdt.h>

__attribute__((noinline)) int e2lib_add(int a, int b) {
  DTRACE_PROBE2(e2lib, add, a, b);
  return a + b;
}
