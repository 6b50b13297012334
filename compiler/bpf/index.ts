// The BPF instruction model: records, constructors, encoder, disassembler, helper ids.
export * from './opcode.js';
export * from './insn.js';
export * from './helpers.js';
export * from './encode.js';
export * from './disassemble.js';
