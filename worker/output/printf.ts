// printf as bpftrace 0.17 formats it in user space.
//
// 0.17 finds the argument specifiers with a pattern (`%`, optional `-`, width, precision,
// conversion), cuts the format after each one, and hands each piece (the literal text before
// the specifier plus the specifier) to C's snprintf with that one argument as a 64-bit
// integer or a char*. Text after the last specifier is appended as is, so `%%` there stays
// `%%`, and a format without arguments is printed verbatim. Integer conversions therefore
// follow C's length modifiers: none = int (32 bits), `h` 16, `hh` 8, `l`/`ll`/`j`/`z`/`t` 64.
// A string is cut at its first NUL by snprintf, which is why `%c` of 0 prints nothing and
// ends that piece.

/** One printf argument, already decoded. */
export type PrintfArg =
  | { kind: 'int'; v: bigint }
  | { kind: 'str'; v: string }
  /** `buf()`: raw bytes for %r, %rx and %rh. */
  | { kind: 'buf'; bytes: Uint8Array };

/** 0.17's specifier pattern (printf_format_types.h): what counts as one argument. */
const SPECIFIER = /%-?[0-9]*(\.[0-9]+)?(rx|rh|r|s|c|(hh|h|ll|l|j|z|t)?[duoxXp])/g;

/** Formats like bpftrace 0.17's printf, system and cat. */
export function formatPrintf(format: string, args: readonly PrintfArg[]): string {
  if (args.length === 0) return format;
  const compiled = compile(format);
  let out = '';
  for (let i = 0; i < compiled.pieces.length; i++) {
    const arg = args[i];
    const piece = compiled.pieces[i];
    if (arg === undefined || piece === undefined) return out;
    out += piece.before;
    if (piece.spec === undefined) continue;
    const text = convert(piece.spec, arg);
    // snprintf's result is used as a C string: a NUL (from %c of 0) ends this piece.
    const nul = text.indexOf('\0');
    out += nul >= 0 ? text.slice(0, nul) : text + piece.after;
  }
  return out + compiled.tail;
}

interface Spec {
  left: boolean;
  zero: boolean;
  width: number;
  precision: number | undefined;
  length: string;
  conv: string;
}

/** One piece as snprintf reads it: text, the one conversion, text after it. */
interface Piece {
  before: string;
  spec: Spec | undefined;
  after: string;
}

interface Compiled {
  pieces: Piece[];
  tail: string;
}

/** Formats are few and events many: each format is split and parsed once. */
const compiledFormats = new Map<string, Compiled>();

function compile(format: string): Compiled {
  let compiled = compiledFormats.get(format);
  if (compiled !== undefined) return compiled;
  const pieces: Piece[] = [];
  let pos = 0;
  for (const match of format.matchAll(SPECIFIER)) {
    const end = match.index + match[0].length;
    pieces.push(parsePiece(format.slice(pos, end)));
    pos = end;
  }
  compiled = { pieces, tail: format.slice(pos) };
  compiledFormats.set(format, compiled);
  return compiled;
}

/** What C's snprintf reads in one piece: `%%` is `%`; the first conversion takes the argument. */
function parsePiece(piece: string): Piece {
  let text = '';
  let spec: Spec | undefined;
  let i = 0;
  while (i < piece.length) {
    const ch = piece[i];
    if (ch !== '%') {
      text += ch;
      i++;
      continue;
    }
    const m = /^%([-+ #0]*)([0-9]*)(?:\.([0-9]*))?(hh|h|ll|l|j|z|t)?(rx|rh|r|[%a-zA-Z])?/.exec(
      piece.slice(i),
    );
    if (m === null || m[5] === undefined) {
      text += piece.slice(i);
      break;
    }
    i += m[0].length;
    if (m[5] === '%') {
      // glibc prints `%` for `%%` and ignores any width written in between.
      text += '%';
      continue;
    }
    // A second conversion would read past the one argument; 0.17's pattern never makes one.
    if (spec !== undefined) break;
    const flags = m[1] ?? '';
    spec = {
      left: flags.includes('-'),
      zero: flags.includes('0'),
      width: m[2] ? Number(m[2]) : 0,
      precision: m[3] === undefined ? undefined : Number(m[3] || '0'),
      length: m[4] ?? '',
      conv: m[5],
    };
    // Text after the conversion in the same piece (only when glibc saw a conversion that
    // 0.17's pattern did not, e.g. `%#x %d`); anything glibc would convert there is dropped.
    return { before: text, spec, after: parsePiece(piece.slice(i)).before };
  }
  return { before: text, spec, after: '' };
}

function convert(spec: Spec, arg: PrintfArg): string {
  switch (spec.conv) {
    case 's':
      return pad(spec, truncate(spec, argText(arg)));
    case 'c': {
      // One byte; a byte >= 0x80 alone is not UTF-8 text, so it becomes U+FFFD (one column).
      const b = Number(BigInt.asUintN(8, argInt(arg)));
      if (b < 0x80) return pad(spec, String.fromCharCode(b));
      const fill = ' '.repeat(Math.max(0, spec.width - 1));
      return spec.left ? '\uFFFD' + fill : fill + '\uFFFD';
    }
    case 'r':
      return pad(spec, truncate(spec, escapeBytes(argBytes(arg))));
    case 'rx':
      return pad(spec, truncate(spec, escapeBytes(argBytes(arg), true)));
    case 'rh':
      return pad(spec, truncate(spec, hexBytes(argBytes(arg))));
    case 'p':
      return pointer(spec, argInt(arg));
    case 'd':
    case 'i':
    case 'u':
    case 'o':
    case 'x':
    case 'X':
      return integer(spec, argInt(arg));
    default:
      // glibc prints an unknown conversion back as written; 0.17's pattern never passes one.
      return '';
  }
}

function bitsOf(length: string): number {
  switch (length) {
    case 'hh':
      return 8;
    case 'h':
      return 16;
    case '':
      return 32;
    default:
      return 64;
  }
}

function integer(spec: Spec, value: bigint): string {
  const bits = bitsOf(spec.length);
  const signed = spec.conv === 'd' || spec.conv === 'i';
  const v = signed ? BigInt.asIntN(bits, value) : BigInt.asUintN(bits, value);
  const negative = v < 0n;
  const magnitude = negative ? -v : v;
  let digits: string;
  switch (spec.conv) {
    case 'o':
      digits = magnitude.toString(8);
      break;
    case 'x':
      digits = magnitude.toString(16);
      break;
    case 'X':
      digits = magnitude.toString(16).toUpperCase();
      break;
    default:
      digits = magnitude.toString(10);
  }
  if (spec.precision !== undefined) {
    // C: precision is the minimum digit count, and a zero value with precision 0 prints none.
    if (spec.precision === 0 && magnitude === 0n) digits = '';
    digits = digits.padStart(spec.precision, '0');
  }
  const sign = negative ? '-' : '';
  // The 0 flag pads between sign and digits, and C ignores it when a precision is given.
  if (spec.zero && !spec.left && spec.precision === undefined) {
    return sign + digits.padStart(spec.width - sign.length, '0');
  }
  return pad(spec, sign + digits);
}

function pointer(spec: Spec, value: bigint): string {
  const v = BigInt.asUintN(64, value);
  // glibc prints a null pointer as `(nil)`.
  if (v === 0n) return pad(spec, '(nil)');
  let digits = v.toString(16);
  if (spec.precision !== undefined) digits = digits.padStart(spec.precision, '0');
  if (spec.zero && !spec.left && spec.precision === undefined) {
    return '0x' + digits.padStart(spec.width - 2, '0');
  }
  return pad(spec, '0x' + digits);
}

/** C counts precision in bytes: keep the longest prefix of whole characters that fits. */
function truncate(spec: Spec, s: string): string {
  if (spec.precision === undefined || Buffer.byteLength(s) <= spec.precision) return s;
  let bytes = 0;
  let out = '';
  for (const ch of s) {
    bytes += Buffer.byteLength(ch);
    if (bytes > spec.precision) break;
    out += ch;
  }
  return out;
}

/** C pads to a width in bytes, so a multibyte UTF-8 character counts for its bytes. */
function pad(spec: Spec, s: string): string {
  const fill = spec.width - Buffer.byteLength(s);
  if (fill <= 0) return s;
  return spec.left ? s + ' '.repeat(fill) : ' '.repeat(fill) + s;
}

function argInt(arg: PrintfArg): bigint {
  switch (arg.kind) {
    case 'int':
      return arg.v;
    case 'str':
      return 0n;
    case 'buf':
      return 0n;
  }
}

function argText(arg: PrintfArg): string {
  switch (arg.kind) {
    case 'int':
      return arg.v.toString();
    case 'str':
      return arg.v;
    case 'buf':
      return escapeBytes(arg.bytes);
  }
}

function argBytes(arg: PrintfArg): Uint8Array {
  switch (arg.kind) {
    case 'buf':
      return arg.bytes;
    case 'str':
      return new TextEncoder().encode(arg.v);
    case 'int':
      return new Uint8Array(0);
  }
}

/** `%r` (and buffer values): printable ASCII as is, other bytes as `\xNN`; `%rx`: all as `\xNN`. */
export function escapeBytes(bytes: Uint8Array, all = false): string {
  let s = '';
  for (const b of bytes) {
    if (!all && b >= 32 && b <= 126) s += String.fromCharCode(b);
    else s += '\\x' + b.toString(16).padStart(2, '0');
  }
  return s;
}

/** `%rh`: bytes as two-digit hex separated by spaces. */
function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
