import { EventEmitter } from 'events';
import type * as http from 'http';
import type * as net from 'net';
import * as v8 from 'v8';
import * as vm from 'vm';
import { Http1Pipeline } from '../../../src/dataplane/proxy/limits';

v8.setFlagsFromString('--expose-gc');
const gc: () => void = vm.runInNewContext('gc');

/** What Http1Pipeline reads of a socket and of a response. */
function fakeSocket(): net.Socket {
  return Object.assign(new EventEmitter(), { destroyed: false }) as unknown as net.Socket;
}
function fakeResponse(): http.ServerResponse {
  return Object.assign(new EventEmitter(), {
    shouldKeepAlive: true,
    headersSent: false,
    req: { complete: true, body: Buffer.alloc(4096) },
    getHeader: () => undefined,
  }) as unknown as http.ServerResponse;
}

describe('Http1Pipeline', () => {
  test('runs the requests of a connection one at a time, in order', () => {
    // GIVEN two requests read on one connection
    const pipeline = new Http1Pipeline();
    const socket = fakeSocket();
    const first = fakeResponse();
    const second = fakeResponse();
    const started: string[] = [];
    pipeline.run(socket, first, () => started.push('first'), () => started.push('first abandoned'));
    pipeline.run(socket, second, () => started.push('second'), () => started.push('second abandoned'));

    // THEN the second waits for the first's response to end
    expect(started).toEqual(['first']);
    expect(pipeline.inProgress(socket)).toBe(true);
    first.emit('close');
    expect(started).toEqual(['first', 'second']);
    second.emit('close');
    expect(pipeline.inProgress(socket)).toBe(false);
  });

  test('a request waiting when its connection closes is abandoned, never started', () => {
    const pipeline = new Http1Pipeline();
    const socket = fakeSocket();
    const events: string[] = [];
    pipeline.run(socket, fakeResponse(), () => events.push('first'), () => events.push('first abandoned'));
    pipeline.run(socket, fakeResponse(), () => events.push('second'), () => events.push('second abandoned'));
    socket.emit('close');
    expect(events).toEqual(['first', 'second abandoned']);
  });

  test('a connection does not keep its first response alive once later ones have come', async () => {
    // GIVEN a kept-alive connection whose first response ended, then a second request on it
    const pipeline = new Http1Pipeline();
    const socket = fakeSocket();
    const ref = (() => {
      const first = fakeResponse();
      pipeline.run(socket, first, () => undefined, () => undefined);
      first.emit('close');
      return new WeakRef(first);
    })();
    const second = fakeResponse();
    pipeline.run(socket, second, () => undefined, () => undefined);
    second.emit('close');
    pipeline.run(socket, fakeResponse(), () => undefined, () => undefined);
    await new Promise((resolve) => setImmediate(resolve));

    // WHEN a full collection runs while the connection is still open
    gc();

    // THEN the first response is gone (its connection's 'close' listener holds only the queue)
    expect(ref.deref()).toBeUndefined();
    expect(socket.listenerCount('close')).toBe(1);
  });
});
