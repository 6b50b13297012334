// Resolves on the first SIGINT or SIGTERM, so a service command can shut down in order.
export function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/**
 * After a service command has shut down in order: leave even if a client library still holds
 * the event loop (ioredis and BullMQ keep reconnecting to a Redis that is gone, forever).
 * The timer is unref'd, so a clean shutdown exits on its own before it fires.
 */
export function exitSoon(code: number, ms = 1000): void {
  setTimeout(() => process.exit(code), ms).unref();
}
