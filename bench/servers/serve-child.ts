import type { Server } from 'node:http';
import { isParentMessage, type ChildMessage, type ServerCounters } from '../harness/ipc.js';

/** A server a bench child runs: where it listens and how to read its counters. */
export interface RunningServer {
  readonly port: number;
  readonly info?: Readonly<Record<string, string>>;
  counters(): ServerCounters;
  close(): Promise<void>;
}

const CLOSE_TIMEOUT_MS = 3000;

function send(message: ChildMessage): void {
  process.send?.(message);
}

/** The child's configuration: one JSON argument, written by the harness. */
export function childConfig(): unknown {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error('expected one JSON argument with the server configuration, received none');
  return JSON.parse(raw) as unknown;
}

export function requireString(config: unknown, key: string): string {
  const value = typeof config === 'object' && config !== null ? (config as Record<string, unknown>)[key] : undefined;
  if (typeof value !== 'string') throw new Error(`expected "${key}" to be a string in the child configuration, received ${JSON.stringify(value)}`);
  return value;
}

/**
 * Runs a bench child: starts the server, reports `ready` with its port, answers counter requests,
 * and stops on SIGTERM/SIGINT or when the harness goes away (IPC disconnect), so that no server
 * outlives the harness. Exits normally, so `--cpu-prof` profiles are written.
 */
export function runChild(start: () => Promise<RunningServer>): void {
  if (!process.send) {
    process.stderr.write('This is a bench child process: run `npm run bench` instead.\n');
    process.exit(2);
  }
  let server: RunningServer | undefined;
  let stopping = false;
  const stop = (code: number): void => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(code), CLOSE_TIMEOUT_MS).unref();
    (server ? server.close() : Promise.resolve()).then(
      () => process.exit(code),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop(0));
  process.once('SIGINT', () => stop(0));
  process.once('disconnect', () => stop(0));
  process.on('message', (message: unknown) => {
    if (server && isParentMessage(message)) send({ type: 'counters', id: message.id, counters: server.counters() });
  });
  start().then(
    (started) => {
      server = started;
      send({ type: 'ready', port: started.port, ...(started.info ? { info: started.info } : {}) });
    },
    (error: unknown) => {
      send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
      stop(1);
    },
  );
}

export function requireBoolean(config: unknown, key: string): boolean {
  const value = typeof config === 'object' && config !== null ? (config as Record<string, unknown>)[key] : undefined;
  if (typeof value !== 'boolean') throw new Error(`expected "${key}" to be a boolean in the child configuration, received ${JSON.stringify(value)}`);
  return value;
}

/** The port a listening node server was given (servers listen on port 0). */
export function portOf(address: string | { readonly port: number } | null): number {
  if (address === null || typeof address === 'string') throw new Error(`expected a TCP address, received ${JSON.stringify(address)}`);
  return address.port;
}

/**
 * Calls `onResponse` for every response fully sent by `server`. Counting finished responses (not
 * received requests) keeps requests cut off at the end of a round out of the per-request ratios.
 */
export function onFinishedResponse(server: Server, onResponse: () => void): void {
  server.on('request', (_request, response) => {
    response.once('finish', onResponse);
  });
}
