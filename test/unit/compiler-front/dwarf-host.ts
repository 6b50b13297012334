// The fake host plus two user binaries for uprobe `args` from DWARF: `./w` with DWARF and
// `./wnodw` without, their functions' parameters as gcc -g described them for the C source
// below (test/unit/compiler-front/uprobe-args.test.ts compares with what bpftrace 0.17
// printed for that binary).
//
//   struct inner { short a; unsigned char b; long c; };
//   struct outer { int id; struct inner in; struct inner *pin; const char *name;
//                  char tag[8]; enum color { RED, GREEN = 5, BLUE } col; };
//   typedef unsigned long my_ulong; typedef struct outer outer_t;
//   long f_ints(int i, long l, unsigned u, short s, char c, unsigned char uc);
//   long f_str(const char *s, int n);
//   long f_struct(struct outer *p, int k);
//   long f_many(long a1, ..., long a8);
//   long f_typedef(my_ulong x, outer_t *o, enum color c);
//   long f_neg(signed char sc, short s, int i, long l, unsigned short us, unsigned long ul);
//   long f_val(struct pair p, int k, double d, struct big b, _Bool ok);
//   void f_void(void);
//   long f_bits(struct flags *f); (struct flags: bitfields, see below)
import type { CType, ElfSymbol } from '../../../compiler/host.js';
import { FakeHost } from '../../support/fake-host.js';

const int = (name: string, size: number, signed: boolean, float = false): CType =>
  float ? { kind: 'int', name, size, signed, float } : { kind: 'int', name, size, signed };
const ptr = (target: CType): CType => ({ kind: 'ptr', target: () => target });

const sInt = int('int', 4, true);
const sLong = int('long int', 8, true);
const uLong = int('long unsigned int', 8, false);
const sShort = int('short int', 2, true);
const char = int('char', 1, true);
const color: CType = { kind: 'enum', name: 'color', size: 4, signed: false };

const inner: CType = {
  kind: 'struct',
  name: 'inner',
  size: 16,
  fields: [
    { name: 'a', offset: 0, type: sShort },
    { name: 'b', offset: 2, type: int('unsigned char', 1, false) },
    { name: 'c', offset: 8, type: sLong },
  ],
};
const outer: CType = {
  kind: 'struct',
  name: 'outer',
  size: 64,
  fields: [
    { name: 'id', offset: 0, type: sInt },
    { name: 'in', offset: 8, type: inner },
    { name: 'pin', offset: 24, type: ptr(inner) },
    { name: 'name', offset: 32, type: ptr(char) },
    { name: 'tag', offset: 40, type: { kind: 'array', elem: char, count: 8 } },
    { name: 'col', offset: 48, type: color },
  ],
};
const pair: CType = {
  kind: 'struct',
  name: 'pair',
  size: 16,
  fields: [
    { name: 'a', offset: 0, type: sLong },
    { name: 'b', offset: 8, type: sLong },
  ],
};
const big: CType = {
  kind: 'struct',
  name: 'big',
  size: 32,
  fields: ['a', 'b', 'c', 'd'].map((name, i) => ({ name, offset: i * 8, type: sLong })),
};

// struct flags { unsigned a : 3; unsigned b : 5; int c : 7; unsigned long d : 40; char e; };
const uInt = int('unsigned int', 4, false);
const flags: CType = {
  kind: 'struct',
  name: 'flags',
  size: 16,
  fields: [
    { name: 'a', offset: 0, type: uInt, bitOffset: 0, bitSize: 3 },
    { name: 'b', offset: 0, type: uInt, bitOffset: 3, bitSize: 5 },
    { name: 'c', offset: 1, type: sInt, bitOffset: 0, bitSize: 7 },
    { name: 'd', offset: 1, type: uLong, bitOffset: 7, bitSize: 40 },
    { name: 'e', offset: 7, type: char },
  ],
};

const p = (name: string, type: CType) => ({ name, type });

export const DWARF_FUNCTIONS: Record<string, { name: string; type: CType }[]> = {
  f_ints: [
    p('i', sInt),
    p('l', sLong),
    p('u', int('unsigned int', 4, false)),
    p('s', sShort),
    p('c', char),
    p('uc', int('unsigned char', 1, false)),
  ],
  f_str: [p('s', ptr(char)), p('n', sInt)],
  f_struct: [p('p', ptr(outer)), p('k', sInt)],
  f_many: ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8'].map((n) => p(n, sLong)),
  f_typedef: [p('x', uLong), p('o', ptr(outer)), p('c', color)],
  f_neg: [
    p('sc', int('signed char', 1, true)),
    p('s', sShort),
    p('i', sInt),
    p('l', sLong),
    p('us', int('short unsigned int', 2, false)),
    p('ul', uLong),
  ],
  f_val: [
    p('p', pair),
    p('k', sInt),
    p('d', int('double', 8, true, true)),
    p('b', big),
    p('ok', int('_Bool', 1, false)),
  ],
  f_void: [],
  f_bits: [p('f', ptr(flags))],
};

const symbols = (names: string[]): ElfSymbol[] =>
  names.map((name, i) => ({
    name,
    address: BigInt(0x1200 + i * 0x40),
    size: 0x20n,
    fileOffset: BigInt(0x1200 + i * 0x40),
    kind: 'func',
  }));

const FUNCS = [...Object.keys(DWARF_FUNCTIONS), 'main', '_start'];

/** FakeHost with `./w` (DWARF) and `./wnodw` (no DWARF). */
export class DwarfFakeHost extends FakeHost {
  override resolveBinary(nameOrPath: string): string | undefined {
    if (nameOrPath === './w' || nameOrPath === './wnodw') return nameOrPath;
    return super.resolveBinary(nameOrPath);
  }

  override elfSymbols(path: string): ElfSymbol[] {
    if (path === './w' || path === './wnodw') return symbols(FUNCS);
    return super.elfSymbols(path);
  }

  functionParams(path: string, func: string): { name: string; type: CType }[] | undefined {
    if (path !== './w') return undefined;
    return DWARF_FUNCTIONS[func] ?? [];
  }
}
