// The BPF helpers bpfq calls, by their kernel names (`enum bpf_func_id` in
// include/uapi/linux/bpf.h: BPF_FUNC_<name>) and the number of arguments each takes in
// r1..r5. The register allocator uses the count: a call reads exactly those registers and
// clobbers r0-r5.

export const HELPERS = {
  map_lookup_elem: { id: 1, args: 2 },
  map_update_elem: { id: 2, args: 4 },
  map_delete_elem: { id: 3, args: 2 },
  probe_read: { id: 4, args: 3 },
  ktime_get_ns: { id: 5, args: 0 },
  trace_printk: { id: 6, args: 5 },
  get_prandom_u32: { id: 7, args: 0 },
  get_smp_processor_id: { id: 8, args: 0 },
  get_current_pid_tgid: { id: 14, args: 0 },
  get_current_uid_gid: { id: 15, args: 0 },
  get_current_comm: { id: 16, args: 2 },
  perf_event_output: { id: 25, args: 5 },
  get_stackid: { id: 27, args: 3 },
  get_current_task: { id: 35, args: 0 },
  get_numa_node_id: { id: 42, args: 0 },
  probe_read_str: { id: 45, args: 3 },
  override_return: { id: 58, args: 2 },
  get_stack: { id: 67, args: 4 },
  get_current_cgroup_id: { id: 80, args: 0 },
  send_signal: { id: 109, args: 1 },
  probe_read_user: { id: 112, args: 3 },
  probe_read_kernel: { id: 113, args: 3 },
  probe_read_user_str: { id: 114, args: 3 },
  probe_read_kernel_str: { id: 115, args: 3 },
  ktime_get_boot_ns: { id: 125, args: 0 },
  d_path: { id: 147, args: 3 },
  get_func_ip: { id: 173, args: 1 },
} as const;

export type HelperName = keyof typeof HELPERS;

const byId = new Map<number, HelperName>(
  (Object.keys(HELPERS) as HelperName[]).map((name) => [HELPERS[name].id, name]),
);

/** The helper's name for an id, or undefined for one bpfq never calls. */
export function helperName(id: number): HelperName | undefined {
  return byId.get(id);
}

/** Arguments a call to helper `id` reads; 5 (all) for an unknown id, to stay safe. */
export function helperArgCount(id: number): number {
  const name = byId.get(id);
  return name === undefined ? 5 : HELPERS[name].args;
}
