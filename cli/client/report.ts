// How the client words errors for a person: compile diagnostics as `file:line:column:
// message` with the source line and a caret (the same shape `bpfq run` prints), and HTTP
// errors by what the user should do about them.
import type { ApiError, ProblemField } from './errors.js';

export function renderDiagnostics(
  name: string,
  program: string,
  diagnostics: readonly ProblemField[],
): string {
  const lines = program.split('\n');
  let out = '';
  for (const d of diagnostics) {
    out += `${name}:${d.line}:${d.column}: ${d.message}\n`;
    const source = lines[d.line - 1];
    if (source !== undefined) {
      out += `${source}\n${source.slice(0, Math.max(0, d.column - 1)).replace(/[^\t]/g, ' ')}^\n`;
    }
  }
  return out;
}

export function describeApiError(
  err: ApiError,
  stage: 'submit' | 'job' | 'result' | 'request',
): string {
  const detail = err.problem.detail ?? err.problem.title ?? '';
  switch (err.status) {
    case 401:
      return `authentication failed (401 ${detail}): check --token or BPFQ_TOKEN`;
    case 403:
      return `not allowed (403 ${detail}): the token lacks the permission for this`;
    case 404:
      return stage === 'submit'
        ? `the server has no job API here (404): check --server`
        : `no such job (404)`;
    default:
      return `the server refused the ${stage === 'submit' ? 'job' : 'request'} (${err.status}${detail ? `: ${detail}` : ''})`;
  }
}
