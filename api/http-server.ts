// The HTTP server for the express app, with requests and responses created with the app's
// own prototypes.
//
// express gives each request and response the app's prototypes (`app.request`, `app.response`)
// by calling Object.setPrototypeOf on them as they arrive. Changing the prototype of a live
// object moves it to a fresh V8 hidden class, so every later property access on it, in express
// and in Node's http code alike, misses its inline caches: profiled here, that was about half
// of express's cost per request (an express route answering a constant: ~280 µs of CPU per
// request on the 2-CPU bench machine, ~140 µs with this; plain Node http ~50 µs). Node lets a
// server construct its requests and responses with other classes; built on the app's
// prototypes from the start, express's setPrototypeOf finds the prototype already in place and
// changes nothing. Behaviour is unchanged: the same objects with the same prototype chains.
import {
  createServer,
  IncomingMessage,
  ServerResponse,
  type Server,
  type ServerOptions,
} from 'node:http';
import type { Express } from 'express';

/** Node's own constructors are plain functions that can be called on a new object. */
type CallableConstructor = (this: object, ...args: unknown[]) => void;
type AnyConstructor = abstract new (...args: never[]) => object;

/**
 * A constructor that runs `base` on an object whose prototype is `prototype` from birth, or
 * undefined when `base` is an ES class (a future Node), which cannot be called that way.
 */
export function constructedWith<C extends AnyConstructor>(
  base: C,
  prototype: object,
): C | undefined {
  if (Function.prototype.toString.call(base).startsWith('class')) return undefined;
  const init = base as unknown as CallableConstructor;
  function Constructed(this: object, ...args: unknown[]): void {
    init.call(this, ...args);
  }
  Constructed.prototype = prototype;
  return Constructed as unknown as C;
}

export function createHttpServer(app: Express): Server {
  const request = constructedWith(IncomingMessage, app.request);
  const response = constructedWith(ServerResponse, app.response);
  if (request === undefined || response === undefined) return createServer(app);
  const options: ServerOptions = { IncomingMessage: request, ServerResponse: response };
  return createServer(options, app);
}
