// A minimal Server-Sent Events reader for tests: collects events until the server ends the
// stream (or a timeout), over a real HTTP connection.
import { request } from 'node:http';

export interface SseEvent {
  id?: string;
  event: string;
  data: unknown;
}

export interface SseStream {
  events: SseEvent[];
  /** Resolves when the server closes the stream. */
  done: Promise<{ status: number; contentType: string | undefined }>;
  close(): void;
}

export function readSse(
  url: string,
  token: string,
  headers: Record<string, string> = {},
): SseStream {
  const events: SseEvent[] = [];
  let closeIt = (): void => undefined;
  const done = new Promise<{ status: number; contentType: string | undefined }>(
    (resolve, reject) => {
      const req = request(
        url,
        { headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream', ...headers } },
        (res) => {
          res.setEncoding('utf8');
          let buffer = '';
          res.on('data', (chunk: string) => {
            buffer += chunk;
            let end: number;
            while ((end = buffer.indexOf('\n\n')) !== -1) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const e: Partial<SseEvent> & { dataText?: string } = {};
              for (const line of block.split('\n')) {
                if (line.startsWith(':') || line === '') continue;
                const colon = line.indexOf(':');
                const field = line.slice(0, colon);
                const value = line.slice(colon + 1).replace(/^ /, '');
                if (field === 'id') e.id = value;
                else if (field === 'event') e.event = value;
                else if (field === 'data')
                  e.dataText = (e.dataText === undefined ? '' : `${e.dataText}\n`) + value;
              }
              if (e.dataText !== undefined) {
                events.push({
                  ...(e.id === undefined ? {} : { id: e.id }),
                  event: e.event ?? 'message',
                  data: JSON.parse(e.dataText),
                });
              }
            }
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'] }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      closeIt = () => req.destroy();
      req.end();
    },
  );
  return { events, done, close: () => closeIt() };
}
