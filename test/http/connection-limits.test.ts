import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { startEngramProcess } from '../support/engram-process.js';
import { sample, scrape } from '../support/metrics.js';
import { useTestStack } from '../support/test-stack.js';

const stack = useTestStack(() => ({
  http: { requestTimeoutMs: 1500, headersTimeoutMs: 1000, maxConnections: 20 },
  loadShedding: { maxEventLoopDelayMs: 30, sampleIntervalMs: 100 },
}));
const port = (): number => Number(new URL(stack.server.url).port);

interface RawConnection {
  readonly socket: Socket;
  /** Everything the server sent. */
  received(): string;
  /** Resolves with the ms from opening until the server closed the connection. */
  readonly closed: Promise<number>;
}

function open(): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let data = '';
    const socket = connect(port(), '127.0.0.1');
    const closed = new Promise<number>((done) => socket.once('close', () => done(performance.now() - started)));
    socket.on('data', (chunk) => (data += chunk.toString()));
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, received: () => data, closed }));
    socket.once('error', reject);
  });
}

describe('connections are bounded', () => {
  it('answers 408 and closes a connection whose body trickles in past the request timeout', async () => {
    const client = await open();
    client.socket.write('POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":');
    // One byte every 200 ms: active, but far from done when the 1.5 s request timeout passes.
    const trickle = setInterval(() => client.socket.writable && client.socket.write(' '), 200);
    try {
      const closedAfter = await Promise.race([client.closed, sleep(10_000).then(() => Number.POSITIVE_INFINITY)]);
      expect(closedAfter).toBeLessThan(10_000);
      expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(trickle);
      client.socket.destroy();
    }
  });

  it('closes a connection whose headers never end', async () => {
    const client = await open();
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const closedAfter = await Promise.race([client.closed, sleep(10_000).then(() => Number.POSITIVE_INFINITY)]);
    client.socket.destroy();
    expect(closedAfter).toBeLessThan(10_000);
  });

  it('closes connections beyond the cap at once, counts them, and keeps serving', async () => {
    const before = sample(await scrape(stack.server.url), 'engram_http_connections_dropped_total');
    const clients = await Promise.all(Array.from({ length: 40 }, () => open()));
    try {
      await sleep(300);
      const dropped = clients.filter((c) => c.socket.destroyed || c.socket.readableEnded);
      expect(dropped.length).toBeGreaterThanOrEqual(15);
    } finally {
      for (const c of clients) c.socket.destroy();
    }
    await sleep(200);
    expect((await fetch(`${stack.server.url}/healthz`)).status).toBe(200);
    expect(sample(await scrape(stack.server.url), 'engram_http_connections_dropped_total') - before).toBeGreaterThanOrEqual(15);
  });

  it('sheds load with 503, Retry-After and a JSON error while the event loop lags, but never the health checks', async () => {
    // Block the event loop 200 ms at a time, 10 ms apart: its mean delay goes far above the 30 ms limit.
    const busy = setInterval(() => {
      const until = performance.now() + 200;
      while (performance.now() < until) {}
    }, 10);
    let shed: Response | undefined;
    const health: number[] = [];
    try {
      for (let i = 0; i < 50 && !shed; i++) {
        const response = await fetch(`${stack.server.url}/api/v1/context/userProfile?userId=u1`);
        if (response.status === 503) shed = response;
        else await response.arrayBuffer();
        health.push((await fetch(`${stack.server.url}/healthz`)).status);
      }
    } finally {
      clearInterval(busy);
    }
    expect(shed?.headers.get('retry-after')).toBe('5');
    expect(await shed?.json()).toEqual({ error: { code: 'SERVICE_OVERLOADED', message: expect.stringMatching(/^The server is overloaded \(event loop delay \d+ ms > 30 ms\); retry later\.$/) } });
    expect(new Set(health)).toEqual(new Set([200]));
    // Calm again: served.
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      await sleep(100);
      status = (await fetch(`${stack.server.url}/api/v1/context/userProfile?userId=u1`)).status;
    }
    expect(status).toBe(200);
  });
});

describe('running out of file descriptors', () => {
  it('keeps the process alive while connections exhaust the open-files limit (load shedding keeps sampling)', async () => {
    // 256 descriptors, a connection cap above it: accept() itself must fail, under load shedding.
    const engram = await startEngramProcess({ openFilesLimit: 256, env: { HTTP_MAX_CONNECTIONS: '5000', LOAD_SHEDDING_MAX_EVENT_LOOP_DELAY_MS: '1000' } });
    const target = new URL(engram.url);
    const sockets: Socket[] = [];
    try {
      for (let i = 0; i < 400; i++) {
        const socket = connect(Number(target.port), '127.0.0.1');
        socket.on('error', () => {});
        sockets.push(socket);
      }
      // Long enough for several load-shedding samples while descriptors are exhausted.
      await sleep(3000);
      expect(engram.child.exitCode).toBeNull();
    } finally {
      for (const socket of sockets) socket.destroy();
    }
    try {
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        await sleep(100);
        status = await fetch(`${engram.url}/healthz`).then((r) => r.status, () => 0);
      }
      expect(status).toBe(200);
      expect(engram.child.exitCode).toBeNull();
    } finally {
      await engram.stop();
    }
  });
});
