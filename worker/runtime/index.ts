// The runtime's public API: run an artifact as a tracing session.
export { runSession } from './run-session.js';
export { catBytesMaxFromEnv } from './cat-file.js';
export type {
  SessionChild,
  SessionControl,
  SessionEnd,
  SessionOptions,
  SessionResult,
  RunSession,
} from './session.js';
export { AttachError, BpfError, NotSupportedError, VerifierError } from './errors.js';
