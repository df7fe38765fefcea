import { afterAll, afterEach, beforeAll } from 'vitest';
import { FakeProviderServer } from './fake-provider-server.js';

/**
 * One fake provider server for the tests of a file: started before them, reset after each
 * (queues, routes and recorded requests), closed after the last. `onStart` receives it.
 */
export function useFakeProviderServer(onStart: (server: FakeProviderServer) => void): void {
  let server: FakeProviderServer | undefined;
  beforeAll(async () => {
    server = await FakeProviderServer.start();
    onStart(server);
  });
  afterAll(async () => {
    await server?.close();
  });
  afterEach(() => {
    server?.reset();
  });
}
