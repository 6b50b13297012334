/* libe2.so for the engine2 workload: a shared library of the test's own. */
__attribute__((noinline)) int e2lib_add(int a, int b) {
  __asm__ volatile("" ::: "memory");
  return a + b;
}
