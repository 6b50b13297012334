// `ntop()` text: inet_ntop(3) for AF_INET and AF_INET6, which 0.17 calls in user space.

const AF_INET = 2;
const AF_INET6 = 10;

/** The address `bytes` (4 or 16 bytes used) of family `af` as inet_ntop writes it. */
export function formatInet(af: number, bytes: Uint8Array): string {
  if (af === AF_INET) return Array.from(bytes.subarray(0, 4)).join('.');
  if (af === AF_INET6) return formatIpv6(bytes.subarray(0, 16));
  return '';
}

function formatIpv6(b: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(((b[2 * i] ?? 0) << 8) | (b[2 * i + 1] ?? 0));
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d, not :: or ::1) print the
  // last 32 bits dotted, as glibc does.
  const first5Zero = words.slice(0, 5).every((w) => w === 0);
  if (first5Zero && (words[5] === 0xffff || (words[5] === 0 && (words[6] ?? 0) !== 0))) {
    const v4 = Array.from(b.subarray(12, 16)).join('.');
    return (words[5] === 0xffff ? '::ffff:' : '::') + v4;
  }
  // The longest run of two or more zero words (the first when tied) becomes `::`.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hexes = words.map((w) => w.toString(16));
  if (bestLen < 2) return hexes.join(':');
  const head = hexes.slice(0, bestStart).join(':');
  const tail = hexes.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}
