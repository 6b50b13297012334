// A kernel BPF map behind its fd: create, read, write, iterate, close.
import { BpfError } from './errors.js';
import { BPF_ANY, isPerCpu, mapTypeNumber } from './constants.js';
import { libBpf, libC } from './lib.js';
import { possibleCpus } from './cpus.js';
import { LAYOUT } from './layouts.js';
import type { MapKernelType } from '../../compiler/artifact.js';

export interface MapSpec {
  type: MapKernelType;
  /** Given to the kernel; it keeps 15 characters from [A-Za-z0-9_.]. */
  name: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  /** BPF_F_* map flags; default 0. */
  flags?: number;
}

/** The kernel keeps at most 15 name characters from this set (BPF_OBJ_NAME_LEN). */
export function kernelObjectName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.]/g, '_').slice(0, 15);
}

export class BpfMap {
  private closed = false;

  private constructor(
    readonly fd: number,
    readonly spec: MapSpec,
  ) {}

  static create(spec: MapSpec): BpfMap {
    let opts: Buffer | null = null;
    if (spec.flags) {
      opts = Buffer.alloc(LAYOUT.mapCreateOpts.size);
      opts.writeBigUInt64LE(BigInt(LAYOUT.mapCreateOpts.size), 0);
      opts.writeUInt32LE(spec.flags >>> 0, LAYOUT.mapCreateOpts.map_flags);
    }
    const fd = libBpf().bpf_map_create(
      mapTypeNumber(spec.type),
      kernelObjectName(spec.name),
      spec.keySize,
      spec.valueSize,
      spec.maxEntries,
      opts,
    );
    if (fd < 0) throw new BpfError('bpf(BPF_MAP_CREATE)', -fd, `map ${spec.name}`);
    return new BpfMap(fd, spec);
  }

  get perCpu(): boolean {
    return isPerCpu(this.spec.type);
  }

  /** Bytes one lookup returns: per-CPU maps give one 8-byte aligned slot per possible CPU. */
  get readSize(): number {
    if (!this.perCpu) return this.spec.valueSize;
    return Math.ceil(this.spec.valueSize / 8) * 8 * possibleCpus();
  }

  /** Per-CPU values split into one Buffer per CPU; one element for other maps. */
  splitPerCpu(raw: Buffer): Buffer[] {
    if (!this.perCpu) return [raw];
    const stride = Math.ceil(this.spec.valueSize / 8) * 8;
    const out: Buffer[] = [];
    for (let off = 0; off < raw.length; off += stride) {
      out.push(raw.subarray(off, off + this.spec.valueSize));
    }
    return out;
  }

  private keyBuffer(key: Buffer | null): Buffer | null {
    // Array maps and scalar hash maps still take a key pointer; a zero-size key is NULL.
    return this.spec.keySize === 0 ? null : key;
  }

  lookup(key: Buffer | null): Buffer | undefined {
    const value = Buffer.alloc(this.readSize);
    const rc = libBpf().bpf_map_lookup_elem(this.fd, this.keyBuffer(key), value);
    if (rc === -2) return undefined; // ENOENT
    if (rc < 0) throw new BpfError('bpf(BPF_MAP_LOOKUP_ELEM)', -rc, `map ${this.spec.name}`);
    return value;
  }

  update(key: Buffer | null, value: Buffer, flags = BPF_ANY): void {
    const rc = libBpf().bpf_map_update_elem(this.fd, this.keyBuffer(key), value, flags);
    if (rc < 0) throw new BpfError('bpf(BPF_MAP_UPDATE_ELEM)', -rc, `map ${this.spec.name}`);
  }

  /** Deletes a key; false when it was not there. */
  delete(key: Buffer | null): boolean {
    const rc = libBpf().bpf_map_delete_elem(this.fd, this.keyBuffer(key));
    if (rc === -2) return false;
    if (rc < 0) throw new BpfError('bpf(BPF_MAP_DELETE_ELEM)', -rc, `map ${this.spec.name}`);
    return true;
  }

  /** Every key, in the kernel's iteration order (the renderer sorts). */
  keys(): Buffer[] {
    const keys: Buffer[] = [];
    let prev: Buffer | null = null;
    for (;;) {
      const next = Buffer.alloc(this.spec.keySize);
      const rc = libBpf().bpf_map_get_next_key(this.fd, prev, next);
      if (rc === -2) break; // ENOENT: past the last key
      if (rc < 0) throw new BpfError('bpf(BPF_MAP_GET_NEXT_KEY)', -rc, `map ${this.spec.name}`);
      keys.push(next);
      prev = next;
      if (keys.length > this.spec.maxEntries * 2) break; // concurrent deletes restart iteration
    }
    return keys;
  }

  /** Every (key, raw value) pair; keys that vanish between the two calls are skipped. */
  entries(): { key: Buffer; value: Buffer }[] {
    const out: { key: Buffer; value: Buffer }[] = [];
    const seen = new Set<string>();
    for (const key of this.keys()) {
      const hex = key.toString('hex');
      if (seen.has(hex)) continue;
      seen.add(hex);
      const value = this.lookup(key);
      if (value !== undefined) out.push({ key, value });
    }
    return out;
  }

  /** Deletes every key (hash maps) or zeroes every slot (array maps), as bpftrace's clear. */
  clear(): void {
    if (this.spec.type === 'array' || this.spec.type === 'percpu_array') {
      this.zero();
      return;
    }
    for (const key of this.keys()) this.delete(key);
  }

  /** Sets every existing value to zero (bpftrace's zero()). */
  zero(): void {
    const zeros = Buffer.alloc(this.readSize);
    for (const key of this.keys()) this.update(key, zeros);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    libC().close(this.fd);
  }
}
