// Byte layouts of the libbpf 1.1 option structs and the uapi structs bpfq fills by hand.
// test/unit/runtime-layouts.test.ts checks every number here against the C compiler's
// offsetof() on this machine's headers.
export const LAYOUT = {
  /** struct bpf_prog_load_opts (bpf/bpf.h) */
  progLoadOpts: { size: 104, expected_attach_type: 12, log_level: 88, log_size: 92, log_buf: 96 },
  /** struct bpf_test_run_opts (bpf/bpf.h) */
  testRunOpts: { size: 80, retval: 56 },
  /** struct bpf_map_create_opts (bpf/bpf.h) */
  mapCreateOpts: { size: 48, map_flags: 28 },
  /** struct perf_event_attr (linux/perf_event.h) */
  perfEventAttr: {
    type: 0,
    size: 4,
    config: 8,
    sample_period: 16,
    wakeup_events: 48,
    bp_type: 52,
    config1: 56,
    config2: 64,
    sig_data: 120,
  },
  /**
   * union bpf_attr's link_create with its uprobe_multi member (kernel 6.6+; newer than this
   * machine's uapi headers, so test/kernel/uprobe-multi.test.ts checks it against the
   * running kernel's BTF instead). `size` is what bpfq passes: the kernel zero-fills the rest.
   */
  linkCreateUprobeMulti: {
    size: 64,
    prog_fd: 0,
    attach_type: 8,
    flags: 12,
    path: 16,
    offsets: 24,
    ref_ctr_offsets: 32,
    cookies: 40,
    cnt: 48,
    multi_flags: 52,
    pid: 56,
  },
} as const;
