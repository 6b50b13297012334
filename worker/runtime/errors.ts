// What runSession() can throw, for callers that sort failures (the service makes all of these
// but BpfError unrecoverable: retrying cannot help a program the kernel rejects).
export { BpfError, NotSupportedError, VerifierError } from '../libbpf/errors.js';
export { AttachError } from '../attach/attach-error.js';
