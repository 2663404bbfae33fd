import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { benchBuild, buildIfStale } from '../../scripts/build-if-stale.mjs';
import { type ChildMessage, isChildMessage, type ServerCounters } from './ipc.js';
import { readCpuTicks, readMemory, type MemoryUsage } from './proc-stats.js';

const ROOT_URL = new URL('../../', import.meta.url);
const ROOT = fileURLToPath(ROOT_URL);
/**
 * Node flags a server is deployed with: Engram's heap bound, as `npm start` and the Docker image set
 * it (README, "Memory"). The peers document none, so they run with Node's defaults.
 */
const DEPLOYED_FLAGS: Readonly<Partial<Record<ChildScript, readonly string[]>>> = { 'engram-server': ['--max-old-space-size=512'] };
const READY_TIMEOUT_MS = 60_000;
const COUNTERS_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

export type ChildScript = 'engram-server' | 'peer-server' | 'zep-emulator-server';

export interface StartOptions {
  /** Label in logs and results, e.g. `engram` or `mercurius-jit`. */
  readonly name: string;
  readonly script: ChildScript;
  /** Passed to the child as one JSON argument. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Extra node flags, e.g. `--cpu-prof`. */
  readonly nodeFlags?: readonly string[];
}

/** A server running in its own process, reachable on loopback. */
export interface ChildServer {
  readonly name: string;
  readonly pid: number;
  readonly url: string;
  readonly info: Readonly<Record<string, string>>;
  counters(): Promise<ServerCounters>;
  cpuTicks(): Promise<number>;
  memory(): Promise<MemoryUsage>;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts and tracks every child process of a bench run, so that all of them are stopped at the end,
 * on errors and on SIGINT. Children also stop on their own when the harness goes away.
 */
export class ChildServers {
  readonly #children = new Set<ChildProcess>();
  #nextId = 1;
  #built = false;

  async start(options: StartOptions): Promise<ChildServer> {
    // Every child, Engram and peers alike, runs compiled: under tsx each would carry ≈ 125 MB of
    // RSS and its CPU that are no part of the server.
    if (!this.#built) {
      buildIfStale(benchBuild(ROOT), { log: (line) => process.stderr.write(`${line}\n`) });
      this.#built = true;
    }
    const script = fileURLToPath(new URL(`.bench-build/bench/servers/${options.script}.js`, ROOT_URL));
    const child = fork(script, [JSON.stringify(options.config)], {
      // Un-batched Engram adds an abort listener per load to the request's signal (> 10 for q20):
      // Node's leak warning would flood the log, once per request.
      execArgv: ['--disable-warning=MaxListenersExceededWarning', ...(DEPLOYED_FLAGS[options.script] ?? []), ...(options.nodeFlags ?? [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, NODE_ENV: 'production' },
    });
    this.#children.add(child);
    child.once('exit', () => this.#children.delete(child));
    const pid = child.pid;
    if (pid === undefined) throw new Error(`${options.name}: the child process did not start`);

    const ready = await new Promise<Extract<ChildMessage, { type: 'ready' }>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${options.name}: not ready after ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      const onExit = (code: number | null): void => reject(new Error(`${options.name}: exited with code ${code} before it was ready`));
      child.once('exit', onExit);
      child.on('message', function onMessage(message: unknown) {
        if (!isChildMessage(message) || message.type === 'counters') return;
        clearTimeout(timer);
        child.off('exit', onExit);
        child.off('message', onMessage);
        if (message.type === 'ready') resolve(message);
        else reject(new Error(`${options.name}: failed to start: ${message.message}`));
      });
    }).catch(async (error: unknown) => {
      await this.#stop(child);
      throw error;
    });

    return {
      name: options.name,
      pid,
      url: `http://127.0.0.1:${ready.port}`,
      info: ready.info ?? {},
      counters: () => this.#counters(options.name, child),
      cpuTicks: () => readCpuTicks(pid),
      memory: () => readMemory(pid),
      stop: () => this.#stop(child),
    };
  }

  /** Stops every child still running (SIGTERM, then SIGKILL after a grace period). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#children].map((child) => this.#stop(child)));
  }

  /** Last resort on process exit: synchronous SIGKILL of whatever is left. */
  killAllNow(): void {
    for (const child of this.#children) child.kill('SIGKILL');
  }

  #counters(name: string, child: ChildProcess): Promise<ServerCounters> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.off('message', onMessage);
        reject(new Error(`${name}: no counters after ${COUNTERS_TIMEOUT_MS} ms`));
      }, COUNTERS_TIMEOUT_MS);
      function onMessage(message: unknown): void {
        if (!isChildMessage(message) || message.type !== 'counters' || message.id !== id) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(message.counters);
      }
      child.on('message', onMessage);
      child.send({ type: 'counters', id });
    });
  }

  async #stop(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited(child);
    clearTimeout(timer);
  }
}
