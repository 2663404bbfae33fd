import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILD_STAMP, buildIfStale, serverBuild, staleReason, type BuildTarget } from '../../scripts/build-if-stale.mjs';

// Each test runs the real compiler up to three times; on a loaded machine one run takes seconds.
const TSC_RUNS_TIMEOUT_MS = 120_000;
const ROOT = join(import.meta.dirname, '..', '..');
const made: string[] = [];

/** A project shaped like Engram (src/, the two tsconfigs, package.json) with TypeScript linked in. */
function tinyProject(): BuildTarget {
  const root = mkdtempSync(join(tmpdir(), 'engram-build-'));
  made.push(root);
  mkdirSync(join(root, 'src'));
  writeFileSync(join(root, 'src', 'main.ts'), 'export const answer: number = 42;\n');
  writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2023', module: 'NodeNext', strict: true, noEmit: true } }));
  writeFileSync(join(root, 'tsconfig.build.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: false, outDir: 'dist', rootDir: 'src' }, include: ['src'] }));
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  return serverBuild(root);
}

/** Sets a file's mtime `seconds` from now (no waiting for the clock to move). */
const touch = (path: string, seconds: number): void => {
  const at = new Date(Date.now() + seconds * 1000);
  utimesSync(path, at, at);
};

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('npm start builds dist/ only when it is stale', () => {
  it('builds when there is no build, then skips the build while nothing changed', { timeout: TSC_RUNS_TIMEOUT_MS }, () => {
    const target = tinyProject();
    const dist = join(target.root, 'dist');
    expect(staleReason(target)).toBe('no complete build in dist/');
    const log: string[] = [];
    expect(buildIfStale(target, { log: (line) => log.push(line) })).toBe(true);
    expect(log).toEqual(['building dist/ (no complete build in dist/): tsc -p tsconfig.build.json']);
    expect(readFileSync(join(dist, 'main.js'), 'utf8')).toContain('export const answer = 42;');

    const stamp = statSync(join(dist, BUILD_STAMP)).mtimeMs;
    expect(staleReason(target)).toBeUndefined();
    expect(buildIfStale(target)).toBe(false);
    expect(statSync(join(dist, BUILD_STAMP)).mtimeMs).toBe(stamp);
  });

  it('rebuilds after a source file, a new source file or the build settings changed', { timeout: TSC_RUNS_TIMEOUT_MS }, () => {
    const target = tinyProject();
    buildIfStale(target);
    const stamp = join(target.root, 'dist', BUILD_STAMP);

    touch(stamp, 10);
    writeFileSync(join(target.root, 'src', 'main.ts'), 'export const answer: number = 43;\n');
    touch(join(target.root, 'src', 'main.ts'), 20);
    expect(staleReason(target)).toBe('src changed since the last build');
    expect(buildIfStale(target)).toBe(true);
    expect(readFileSync(join(target.root, 'dist', 'main.js'), 'utf8')).toContain('answer = 43');

    touch(stamp, 30);
    mkdirSync(join(target.root, 'src', 'deep'));
    writeFileSync(join(target.root, 'src', 'deep', 'more.ts'), 'export const more = 1;\n');
    touch(join(target.root, 'src', 'deep', 'more.ts'), 0);
    touch(join(target.root, 'src', 'deep'), 40);
    expect(staleReason(target)).toBe('src changed since the last build');
    expect(buildIfStale(target)).toBe(true);
    expect(existsSync(join(target.root, 'dist', 'deep', 'more.js'))).toBe(true);

    touch(join(target.root, 'dist', BUILD_STAMP), 50);
    touch(join(target.root, 'tsconfig.build.json'), 60);
    expect(staleReason(target)).toBe('tsconfig.build.json changed since the last build');
  });

  it('keeps the previous build when the compiler fails, and says so', { timeout: TSC_RUNS_TIMEOUT_MS }, () => {
    const target = tinyProject();
    buildIfStale(target);
    writeFileSync(join(target.root, 'src', 'main.ts'), 'export const answer: number = "not a number";\n');
    touch(join(target.root, 'src', 'main.ts'), 60);
    expect(() => buildIfStale(target)).toThrow('tsc -p tsconfig.build.json failed (exit code 2)');
    expect(readFileSync(join(target.root, 'dist', 'main.js'), 'utf8')).toContain('answer = 42');
    expect(staleReason(target)).toBe('src changed since the last build');
  });
});
