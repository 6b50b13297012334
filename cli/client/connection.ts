// Where the client connects and how it authenticates: --server/--token, else BPFQ_SERVER
// and BPFQ_TOKEN, else the local default (a `make up` on this machine).
import { ApiClient, DEFAULT_SERVER } from './api-client.js';
import { UsageError } from './errors.js';

export function clientFrom(
  flags: { server?: string | undefined; token?: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
): ApiClient {
  const server = flags.server ?? nonEmpty(env['BPFQ_SERVER']) ?? DEFAULT_SERVER;
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(`--server '${server}' is not a URL (e.g. http://127.0.0.1:8080)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--server '${server}' must be an http:// or https:// URL`);
  }
  return new ApiClient({ server, token: flags.token ?? nonEmpty(env['BPFQ_TOKEN']) });
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
