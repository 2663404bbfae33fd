// @ts-check
// Plain JavaScript on purpose: `npm start` runs it with bare node before the build exists, and
// loading tsx only to decide that nothing needs building would cost most of what the build saves.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Written into the output folder after a complete build; its mtime is the build's time. */
export const BUILD_STAMP = '.build-stamp';

/**
 * @typedef {object} BuildTarget
 * @property {string} root Folder holding `package.json`.
 * @property {string} project tsconfig to compile, relative to `root`.
 * @property {string} outDir Output folder, relative to `root`.
 * @property {readonly string[]} inputs Files and folders (walked) whose changes make the output stale, relative to `root`.
 */

/** @param {string} root @returns {BuildTarget} */
export function serverBuild(root) {
  return { root, project: 'tsconfig.build.json', outDir: 'dist', inputs: ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json'] };
}

/**
 * The bench's child servers and what they import, compiled so that no child pays for tsx.
 * `bench/results/` is left out: every run writes there.
 * @param {string} root
 * @returns {BuildTarget}
 */
export function benchBuild(root) {
  return {
    root,
    project: 'tsconfig.bench.json',
    outDir: '.bench-build',
    inputs: ['src', 'bench/servers', 'bench/peers', 'bench/harness', 'tsconfig.json', 'tsconfig.bench.json', 'package.json'],
  };
}

/**
 * Newest mtime under `path`, folders included: adding or removing a file changes its folder's mtime.
 * @param {string} path
 * @returns {number}
 */
function newestMtime(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  let newest = stat.mtimeMs;
  if (stat.isDirectory()) {
    for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/**
 * Why the output must be rebuilt, or `undefined` when it is fresh.
 * @param {BuildTarget} target
 * @returns {string | undefined}
 */
export function staleReason(target) {
  const stamp = statSync(join(target.root, target.outDir, BUILD_STAMP), { throwIfNoEntry: false });
  if (!stamp) return `no complete build in ${target.outDir}/`;
  for (const input of target.inputs) {
    if (newestMtime(join(target.root, input)) > stamp.mtimeMs) return `${input} changed since the last build`;
  }
  return undefined;
}

/**
 * Compiles into a fresh folder next to the output and swaps it in, so that an interrupted build never
 * leaves a half-written output that looks complete.
 * @param {BuildTarget} target
 */
export function build(target) {
  const out = join(target.root, target.outDir);
  const next = `${out}.next-${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  const tsc = join(target.root, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(target.root, target.project), '--outDir', next], { stdio: 'inherit' });
  if (result.status !== 0) {
    rmSync(next, { recursive: true, force: true });
    throw new Error(`tsc -p ${target.project} failed (exit code ${result.status ?? result.signal})`);
  }
  writeFileSync(join(next, BUILD_STAMP), `${new Date().toISOString()}\n`);
  rmSync(out, { recursive: true, force: true });
  renameSync(next, out);
}

/**
 * Builds when stale; returns whether it built.
 * @param {BuildTarget} target
 * @param {{ log?: (line: string) => void }} [options]
 * @returns {boolean}
 */
export function buildIfStale(target, options = {}) {
  const reason = staleReason(target);
  if (reason === undefined) return false;
  options.log?.(`building ${target.outDir}/ (${reason}): tsc -p ${target.project}`);
  build(target);
  return true;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  if (!existsSync(join(root, 'node_modules', 'typescript'))) {
    if (!existsSync(join(root, 'dist', BUILD_STAMP))) {
      process.stderr.write('No build in dist/ and no TypeScript to make one: run npm ci (with dev dependencies) first.\n');
      process.exit(1);
    }
  } else {
    try {
      buildIfStale(serverBuild(root), { log: (line) => process.stderr.write(`${line}\n`) });
    } catch (error) {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    }
  }
}
