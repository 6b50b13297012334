// Little-endian reads of kernel-laid-out bytes (BPF maps and events use host byte order;
// bpfq supports x86-64 and arm64 hosts, both little-endian).

export function readUint(bytes: Uint8Array, offset: number, size: number): bigint {
  if (offset + size <= bytes.length) {
    // The common sizes in one read each: this runs for every map value of every CPU.
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    switch (size) {
      case 8:
        return dv.getBigUint64(offset, true);
      case 4:
        return BigInt(dv.getUint32(offset, true));
      case 2:
        return BigInt(dv.getUint16(offset, true));
      case 1:
        return BigInt(dv.getUint8(offset));
    }
  }
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[offset + i] ?? 0);
  return v;
}

export function readInt(bytes: Uint8Array, offset: number, size: number, signed: boolean): bigint {
  const v = readUint(bytes, offset, size);
  return signed ? BigInt.asIntN(size * 8, v) : v;
}

/** Bytes up to the first NUL (or the end), as a fixed-size C char array holds a string. */
export function cString(bytes: Uint8Array, offset: number, size: number): Uint8Array {
  const end = Math.min(offset + size, bytes.length);
  let i = offset;
  while (i < end && bytes[i] !== 0) i++;
  return bytes.subarray(offset, i);
}

const utf8 = new TextDecoder('utf-8');

/** Strings are kept as UTF-8 text; bytes that are not valid UTF-8 become U+FFFD. */
export function textOf(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

/** Lowercase hex without leading zeros, as C++ streams print `std::hex` numbers. */
export function hex(v: bigint): string {
  return BigInt.asUintN(64, v).toString(16);
}
