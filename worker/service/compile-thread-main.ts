// The compile thread's side (see compile-thread.ts): compiles each request with this thread's
// own node host (its tracefs, BTF and ELF caches stay warm between jobs) and posts back the
// artifact and warnings, or the TraceFailure's parts, or an internal error's message.
import { parentPort } from 'node:worker_threads';
import { nodeHost } from '../../host/node-host.js';
import { compileJob } from './compile-job.js';
import { TraceFailure } from './job-runner.js';
import type { CompileReply, CompileRequestMessage } from './compile-thread.js';

const port = parentPort;
if (port === null) throw new Error('compile-thread-main runs as a worker thread');
const host = nodeHost();

port.on('message', (message: CompileRequestMessage) => {
  let reply: CompileReply;
  try {
    reply = { seq: message.seq, compiled: compileJob(message.request, host) };
  } catch (err) {
    reply =
      err instanceof TraceFailure
        ? {
            seq: message.seq,
            failure: { detail: err.detail, message: err.message, permanent: err.permanent },
          }
        : { seq: message.seq, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
});
