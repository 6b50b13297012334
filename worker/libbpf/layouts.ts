// Byte layouts of the libbpf 1.1 option structs and the uapi structs bpfq fills by hand.
// test/unit/runtime-layouts.test.ts checks every number here against the C compiler's
// offsetof() on this machine's headers.
export const LAYOUT = {
  /** struct bpf_prog_load_opts (bpf/bpf.h) */
  progLoadOpts: { size: 104, log_level: 88, log_size: 92, log_buf: 96 },
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
} as const;
