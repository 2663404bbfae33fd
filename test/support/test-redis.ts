import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort } from './engram-process.js';

const REDIS_SERVER = process.env['REDIS_SERVER_PATH'] ?? '/usr/bin/redis-server';

/** Whether suites that start a Redis of their own can run here (CI installs redis-server). */
export const redisServerAvailable = existsSync(REDIS_SERVER);

/** A redis-server of the test's own on a free loopback port: it can be killed, paused and restarted. */
export interface TestRedis {
  readonly url: string;
  /** SIGKILL: the server is gone (connections reset). */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: nothing is persisted). */
  restart(): Promise<void>;
  /** SIGSTOP: the server keeps its sockets but answers nothing. */
  pause(): void;
  /** SIGCONT */
  resume(): void;
  /** A client of the test's own (for inspecting keys). */
  client(): Redis;
  stop(): Promise<void>;
}

async function waitForPing(port: number, child: ChildProcess): Promise<void> {
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode})`);
      try {
        if (probe.status !== 'ready') await probe.connect();
        if ((await probe.ping()) === 'PONG') return;
      } catch {
        probe.disconnect();
        await sleep(50);
      }
    }
    throw new Error(`redis-server on port ${port} did not answer within 5 s`);
  } finally {
    probe.disconnect();
  }
}

export async function startTestRedis(): Promise<TestRedis> {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(`redis-server is not installed at ${REDIS_SERVER}: install it (apt-get install -y redis-server) or set REDIS_SERVER_PATH.`);
  }
  const port = await freePort();
  const clients: Redis[] = [];
  let child: ChildProcess;
  const start = async (): Promise<void> => {
    child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await waitForPing(port, child);
  };
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    kill,
    restart: start,
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    client: () => {
      const client = new Redis({ port, host: '127.0.0.1' });
      client.on('error', () => {});
      clients.push(client);
      return client;
    },
    stop: async () => {
      for (const client of clients) client.disconnect();
      await kill();
    },
  };
}
