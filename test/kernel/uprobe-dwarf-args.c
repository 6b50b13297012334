/* uprobe `args` where bpfq goes past bpftrace 0.17 (test/kernel/uprobe-dwarf-args.test.ts):
 * parameters 7 and 8 passed on the stack, narrow parameters whose registers carry garbage
 * above them, a struct passed by value and a double before readable parameters. */
struct pair {
  long a;
  long b;
};

__attribute__((noinline)) long many(long a1, long a2, long a3, long a4, long a5, long a6, long a7,
                                    long a8) {
  __asm__ volatile("" ::: "memory");
  return a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8;
}

__attribute__((noinline)) long narrow(short s, signed char c, int i) {
  __asm__ volatile("" ::: "memory");
  return s + c + i;
}

__attribute__((noinline)) long mixed(struct pair p, double d, int k, long l) {
  __asm__ volatile("" ::: "memory");
  return p.a + p.b + (long)d + k + l;
}

/* Registers full of ones above the low bits: narrow() must not see them. */
__attribute__((noinline)) long call_narrow(long x) {
  long r;
  __asm__ volatile(
      "mov %1, %%rdi\n\t"
      "shl $16, %%rdi\n\t"
      "or $0xfffe, %%rdi\n\t" /* s = -2 */
      "mov %1, %%rsi\n\t"
      "shl $8, %%rsi\n\t"
      "or $0xfd, %%rsi\n\t" /* c = -3 */
      "mov %1, %%rdx\n\t"
      "shl $32, %%rdx\n\t"
      "or $-4, %%edx\n\t" /* i = -4 (zero-extends the upper half, then) */
      "mov %1, %%rax\n\t"
      "shl $32, %%rax\n\t"
      "or %%rax, %%rdx\n\t"
      "call narrow\n\t"
      "mov %%rax, %0"
      : "=r"(r)
      : "r"(x)
      : "rax", "rdi", "rsi", "rdx", "rcx", "r8", "r9", "r10", "r11", "memory");
  return r;
}

int main(void) {
  long sum = 0;
  for (long i = 0; i < 2; i++) {
    sum += many(1, 2, 3, 4, 5, 6, 7 + i, -8 - i);
    sum += call_narrow(0x5a5a5a5aL);
    sum += mixed((struct pair){10, 20}, 2.5, 30 + (int)i, 40);
  }
  return sum == 0;
}
