// uprobe `args` from DWARF (dwarf-host.ts): the diagnostics bpftrace 0.17 printed for the
// same programs on the binary dwarf-host.ts describes, the types `args->name` takes, where
// each parameter is read (registers in System V order, the stack after six, narrowed to its
// type) run in the test interpreter over a hand-built pt_regs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../../compiler/compile.js';
import { formatDiagnostic, formatDiagnostics } from '../../../compiler/diagnostics.js';
import type { Expr } from '../../../compiler/front/ast.js';
import { forEachExpr } from '../../../compiler/codegen/walk.js';
import { ptRegsOffset } from '../../../compiler/codegen/pt-regs.js';
import { typeStr } from '../../../compiler/passes/type-names.js';
import { Interpreter } from '../codegen/bpf-interpreter.js';
import { programBytes, readI64, u64le } from '../codegen/helpers.js';
import { DwarfFakeHost } from './dwarf-host.js';
import { ok, run } from './helpers.js';

/** Programs and the first diagnostic bpftrace 0.17 printed for them, byte for byte. */
const EXACT: [string, string][] = [
  [
    'uprobe:./w:f_ints { print(args); }',
    'stdin:1:21-32: ERROR: (ctx) struct uprobe_args * type passed to print() is not printable\nuprobe:./w:f_ints { print(args); }\n                    ~~~~~~~~~~~\n',
  ],
  [
    'uprobe:./w:f_ints { @[args] = count(); }',
    'stdin:1:21-28: ERROR: context cannot be used as a map key\nuprobe:./w:f_ints { @[args] = count(); }\n                    ~~~~~~~\n',
  ],
  [
    'uprobe:./w:f_ints { $a = args; print($a->i); }',
    'stdin:1:24-25: ERROR: args cannot be assigned to a variable\nuprobe:./w:f_ints { $a = args; print($a->i); }\n                       ~\n',
  ],
  [
    'uprobe:./wnodw:f_ints { print(args->i); }',
    'stdin:1:1-22: ERROR: No debuginfo found for ./wnodw\nuprobe:./wnodw:f_ints { print(args->i); }\n~~~~~~~~~~~~~~~~~~~~~\n',
  ],
  [
    'uprobe:./w:f_ints,uprobe:./wnodw:f_ints { print(args->i); }',
    'stdin:1:19-40: ERROR: No debuginfo found for ./wnodw\nuprobe:./w:f_ints,uprobe:./wnodw:f_ints { print(args->i); }\n                  ~~~~~~~~~~~~~~~~~~~~~\n',
  ],
  [
    'uprobe:./w:f_ints,uprobe:./w:f_str { print(args->i); }',
    'stdin:1:19-35: ERROR: Probe has attach points with mixed arguments\nuprobe:./w:f_ints,uprobe:./w:f_str { print(args->i); }\n                  ~~~~~~~~~~~~~~~~\n',
  ],
  [
    'uprobe:./w:f_ints,uprobe:./w:f_neg { print(args->i); }',
    'stdin:1:19-35: ERROR: Probe has attach points with mixed arguments\nuprobe:./w:f_ints,uprobe:./w:f_neg { print(args->i); }\n                  ~~~~~~~~~~~~~~~~\n',
  ],
  [
    'uprobe:./w:f_s* { print(args->k); }',
    'stdin:1:1-16: ERROR: Probe has attach points with mixed arguments\nuprobe:./w:f_s* { print(args->k); }\n~~~~~~~~~~~~~~~\n',
  ],
  [
    'uprobe:./w:f_str { print(args->s); }',
    'stdin:1:20-34: ERROR: int8 * type passed to print() is not printable\nuprobe:./w:f_str { print(args->s); }\n                   ~~~~~~~~~~~~~~\n',
  ],
  [
    'uprobe:./w:f_struct { print(args->p); }',
    'stdin:1:23-37: ERROR: struct outer * type passed to print() is not printable\nuprobe:./w:f_struct { print(args->p); }\n                      ~~~~~~~~~~~~~~\n',
  ],
];

/**
 * Same message and line as 0.17, another span: 0.17's field accesses start at the
 * enclosing call (`print(args->ii` for `args->ii`), bpfq's at the expression; and 0.17
 * misses the space in "uprobeprobes".
 */
const SAME_MESSAGE: [string, string][] = [
  ['uprobe:./w:f_ints { print(args->ii); }', "Can't find function parameter ii"],
  ['uprobe:./w:f_void { print(args->i); }', "Can't find function parameter i"],
  ['uprobe:./w:_start { print(args->i); }', "Can't find function parameter i"],
  ['uprobe:./w:0x1000 { print(args->i); }', "Can't find function parameter i"],
  ['uprobe:./w:f_val { print(args->d); }', 'd has unsupported type'],
  [
    'uprobe:./w:f_ints { print(args.i); }',
    "Can not access field 'i' on type '(ctx) struct uprobe_args *'. Try dereferencing it first, or using '->'",
  ],
  [
    'uprobe:./w:f_struct { print(args->p->nope); }',
    "Struct/union of type 'struct outer' does not contain a field named 'nope'",
  ],
  [
    'uprobe:./w:f_struct { print(args->p.id); }',
    "Can not access field 'id' on type 'struct outer *'. Try dereferencing it first, or using '->'",
  ],
  [
    'uretprobe:./w:f_ints { print(args->i); }',
    'The args builtin can only be used with tracepoint/kfunc/uprobe probes (uretprobe used here)',
  ],
  [
    'tracepoint:syscalls:sys_enter_read,uprobe:./w:f_ints { print(args->i); }',
    'The args builtin can only be used with tracepoint/kfunc/uprobe probes (invalid used here)',
  ],
  [
    'uprobe:./w:f_ints,tracepoint:syscalls:sys_enter_read { print(args->fd); }',
    'The args builtin can only be used with tracepoint/kfunc/uprobe probes (invalid used here)',
  ],
  [
    'kprobe:vfs_read { print(args->i); }',
    'The args builtin can only be used with tracepoint/kfunc/uprobe probes (kprobe used here)',
  ],
];

/** The type of every `args->...` expression of the program, by source text. */
function fieldTypes(text: string): Record<string, string> {
  const program = ok(text);
  const out: Record<string, string> = {};
  const visit = (e: Expr) => {
    if (e.kind === 'field' && e.type) {
      out[text.slice(e.span.column - 1, e.span.endColumn - 1)] = typeStr(e.type);
    }
  };
  for (const p of program.probes) forEachExpr(p, visit);
  return out;
}

const CTX = 0x38000;
const STACK = 0x39000;
const HEAP = 0x3a000;

/** Runs the program over pt_regs at CTX (sp = STACK) with `mem` at HEAP; returns @a..@d. */
function runUprobe(
  text: string,
  regs: Record<string, bigint>,
  stack: bigint[] = [],
  heap: Uint8Array = new Uint8Array(0),
): bigint[] {
  const r = compile(text, {}, new DwarfFakeHost());
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 0, formatDiagnostics(errors, { name: 'stdin', text }));
  const a = r.artifact;
  assert.ok(a);
  const vm = new Interpreter({ maps: a.maps, ctx: BigInt(CTX) });
  for (const [name, v] of Object.entries({ ...regs, sp: BigInt(STACK) })) {
    const off = ptRegsOffset(name);
    assert.ok(off !== undefined, name);
    vm.memory.setBigUint64(CTX + off, BigInt.asUintN(64, v), true);
  }
  // The return address, then the stack-passed arguments.
  [0xdeadn, ...stack].forEach((v, i) =>
    vm.memory.setBigUint64(STACK + 8 * i, BigInt.asUintN(64, v), true),
  );
  new Uint8Array(vm.memory.buffer, HEAP, heap.length).set(heap);
  const p = a.programs[0]!;
  vm.run(programBytes(p), p.mapRelocations);
  return ['@a', '@b', '@c', '@d']
    .filter((m) => a.maps.some((x) => x.name === m))
    .map((m) => readI64(vm.value(m, u64le(0n)) ?? u64le(0n)));
}

describe('uprobe args from DWARF', () => {
  for (const [program, expected] of EXACT) {
    it(`as bpftrace 0.17: ${program}`, () => {
      const d = run(program).diagnostics.find((x) => x.severity === 'error');
      assert.ok(d, 'an error');
      assert.equal(formatDiagnostic(d, { name: 'stdin', text: program }), expected);
    });
  }

  for (const [program, message] of SAME_MESSAGE) {
    it(`0.17's message: ${program}`, () => {
      const d = run(program).diagnostics.find((x) => x.severity === 'error');
      assert.ok(d, 'an error');
      assert.equal(d.message, message);
      assert.equal(d.span.line, 1);
    });
  }

  it('accepts what 0.17 accepts: one function, a wildcard matching one, the same function twice', () => {
    ok('uprobe:./w:f_ints { printf("%d %ld %u\\n", args->i, args->l, args->u); }');
    ok('uprobe:./w:f_i* { print(args->i); }');
    ok('uprobe:./w:f_ints,uprobe:./w:f_ints { print(args->i); }');
    // Attach points with different parameters are fine while `args` is not used.
    ok('uprobe:./w:f_ints,uprobe:./w:f_neg { print(1); }');
    ok('uprobe:./w:f_ints { print(1); } uprobe:./w:f_neg { print(args->i); }');
    ok('uprobe:./wnodw:f_ints { print(arg0); }');
  });

  it('gives parameters their DWARF types, pointers in user memory', () => {
    assert.deepEqual(
      fieldTypes(
        'uprobe:./w:f_ints { print(args->i); print(args->l); print(args->u); print(args->s); print(args->c); print(args->uc); }',
      ),
      {
        'args->i': 'int32',
        'args->l': 'int64',
        'args->u': 'unsigned int32',
        'args->s': 'int16',
        'args->c': 'int8',
        'args->uc': 'unsigned int8',
      },
    );
    assert.deepEqual(
      fieldTypes(
        'uprobe:./w:f_struct { print(args->p->id); print(args->p->in); print(args->p->pin->c); print(args->p->tag); print(args->p->col); }',
      ),
      {
        'args->p': 'struct outer *',
        'args->p->id': 'int32',
        'args->p->in': 'struct inner',
        'args->p->pin': 'struct inner *',
        'args->p->pin->c': 'int64',
        'args->p->tag': 'string[8]',
        'args->p->col': 'unsigned int32',
      },
    );
    // A typedef'd struct pointer reads like the struct's (0.17 looked for 'struct outer_t').
    assert.equal(
      fieldTypes('uprobe:./w:f_typedef { print(args->o->id); }')['args->o->id'],
      'int32',
    );
    const p = ok('uprobe:./w:f_str { print(str(args->s)); }');
    const field = p.probes[0]?.targets[0]?.funcArgs?.fields[0];
    assert.deepEqual(field?.type, {
      kind: 'pointer',
      target: { kind: 'int', size: 1, signed: true },
      space: 'user',
    });
  });

  it('reads register arguments narrowed to their types (upper bits are garbage)', () => {
    const junk = 0x5a5a5a5a_00000000n;
    assert.deepEqual(
      runUprobe(
        'uprobe:./w:f_neg { @a = args->sc; @b = args->s; @c = args->i + 1; @d = args->us; }',
        {
          di: junk | 0xffn,
          si: junk | 0xfffen,
          dx: junk | 0xfffffffdn,
          cx: -4n,
          r8: junk | 0xffffn,
          r9: -1n,
        },
      ),
      [-1n, -2n, -2n, 65535n],
    );
  });

  it('reads the 7th and later arguments from the stack above the return address', () => {
    const regs = { di: 1n, si: 2n, dx: 3n, cx: 4n, r8: 5n, r9: 6n };
    assert.deepEqual(
      runUprobe(
        'uprobe:./w:f_many { @a = args->a1; @b = args->a6; @c = args->a7; @d = args->a8; }',
        regs,
        [7n, -8n],
      ),
      [1n, 6n, 7n, -8n],
    );
  });

  it('counts the registers and stack slots of parameters it cannot read', () => {
    // f_val(struct pair p /* di, si */, int k /* dx */, double d /* xmm0 */,
    //       struct big b /* stack */, _Bool ok /* cx */)
    assert.deepEqual(
      runUprobe('uprobe:./w:f_val { @a = args->k; @b = args->ok; }', {
        di: 100n,
        si: 200n,
        dx: 7n,
        cx: 1n,
      }),
      [7n, 1n],
    );
  });

  it('reads bitfields through a struct pointer, signed ones sign-extended', () => {
    // gcc's layout of {5, 17, -20, 123456789012}: a and b in byte 0, c in bits 8..14,
    // d in bits 15..54 (dwarf-host.ts gives the same offsets).
    const heap = new Uint8Array(16);
    const v = new DataView(heap.buffer);
    const bits = 5n | (17n << 3n) | (BigInt.asUintN(7, -20n) << 8n) | (123456789012n << 15n);
    v.setBigUint64(0, bits, true);
    assert.deepEqual(
      runUprobe(
        'uprobe:./w:f_bits { @a = args->f->a; @b = args->f->b; @c = args->f->c; @d = args->f->d; }',
        { di: BigInt(HEAP) },
        [],
        heap,
      ),
      [5n, 17n, -20n, 123456789012n],
    );
  });

  it('dereferences struct pointers in user memory, nested by value and by pointer', () => {
    const heap = new Uint8Array(128);
    const v = new DataView(heap.buffer);
    // struct outer at HEAP: id, in = {a, b, c}, pin -> struct inner at HEAP + 64.
    v.setInt32(0, 42, true);
    v.setInt16(8, -7, true);
    v.setUint8(10, 250);
    v.setBigInt64(16, 123456789012n, true);
    v.setBigUint64(24, BigInt(HEAP + 64), true);
    v.setBigInt64(64 + 8, -99n, true);
    assert.deepEqual(
      runUprobe(
        'uprobe:./w:f_struct { @a = args->p->id; @b = args->p->in.a; @c = args->p->in.c; @d = args->p->pin->c; }',
        { di: BigInt(HEAP), si: 3n },
        [],
        heap,
      ),
      [42n, -7n, 123456789012n, -99n],
    );
  });
});
