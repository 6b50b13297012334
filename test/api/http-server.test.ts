// api/http-server.ts: the API's HTTP server constructs requests and responses on the express
// app's own prototypes (so express's per-request Object.setPrototypeOf changes nothing), and
// the app behaves as on a plain server. No Redis needed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Socket } from 'node:net';
import express from 'express';
import { constructedWith, createHttpServer } from '../../api/http-server.js';

describe('API HTTP server', () => {
  it('hands express requests and responses already on the app’s prototypes', async () => {
    const app = express();
    app.get('/echo/:word', (req, res) => {
      res.set('X-Word', req.params['word']).json({ word: req.params['word'], q: req.query['q'] });
    });
    const server = createHttpServer(app);
    const seen: boolean[] = [];
    // Runs before express's own 'request' listener, i.e. before it sets any prototype.
    server.prependListener('request', (req, res) => {
      seen.push(
        Object.getPrototypeOf(req) === app.request && Object.getPrototypeOf(res) === app.response,
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      for (const word of ['one', 'two', 'three']) {
        const res = await fetch(`http://127.0.0.1:${port}/echo/${word}?q=${word.length}`);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('x-word'), word);
        assert.ok(res.headers.get('etag'), 'express still adds its ETag');
        assert.deepEqual(await res.json(), { word, q: String(word.length) });
      }
      const missing = await fetch(`http://127.0.0.1:${port}/nothing`);
      assert.equal(missing.status, 404);
      await missing.text();
      assert.deepEqual(seen, [true, true, true, true]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('builds on a callable constructor, and declines an ES class', () => {
    const proto = Object.create(IncomingMessage.prototype) as object;
    const Made = constructedWith(IncomingMessage, proto);
    assert.ok(Made !== undefined);
    const socket = new Socket();
    const req = new Made(socket);
    assert.equal(Object.getPrototypeOf(req), proto);
    assert.ok(req instanceof IncomingMessage);
    assert.equal(req.socket, socket, "IncomingMessage's own constructor ran");
    socket.destroy();
    class Modern {}
    assert.equal(constructedWith(Modern, {}), undefined);
  });
});
