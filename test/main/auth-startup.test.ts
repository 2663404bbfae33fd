import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { globexDemo } from '../../src/demo/index.js';
import { freePort } from '../support/engram-process.js';

/** `src/main.ts` as `npm start` runs it, with the given environment on top of a clean one. */
function startMain(env: Record<string, string>) {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(base)) if (/^(DATABASE_URL|PGLITE_DIR|AUTH_|ZEP_|REDIS_URL|HOST|PORT)/.test(name)) delete base[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...base, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('start-up: authentication', () => {
  it('refuses AUTH_MODE=off on a non-loopback address, naming the fix', async () => {
    const run = startMain({ AUTH_MODE: 'off', HOST: '0.0.0.0', PORT: String(await freePort()) });
    const code = await run.exited;
    expect(code).toBe(78);
    expect(run.output()).toContain('AUTH_MODE: "off" is allowed only while HOST is a loopback address (received HOST "0.0.0.0")');
    expect(run.output()).toContain('Set AUTH_MODE=required (with AUTH_JWKS_URL or API keys from `npm run keys`), or bind HOST=127.0.0.1.');
  });

  it('runs the embedded demo with auth required, printing demo keys that work (and only for their tenant)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'engram-auth-'));
    dirs.push(dir);
    const [port, zepPort] = [await freePort(), await freePort()];
    const run = startMain({ PGLITE_DIR: join(dir, 'pglite'), PORT: String(port), HOST: '127.0.0.1', ZEP_EMULATOR_PORT: String(zepPort) });
    try {
      const started = Date.now();
      while (!run.output().includes('Engram is serving')) {
        if (run.child.exitCode !== null) throw new Error(`engram exited early:\n${run.output()}`);
        if (Date.now() - started > 90_000) throw new Error(`engram did not start within 90 s:\n${run.output()}`);
        await sleep(100);
      }
      const saved = JSON.parse(await readFile(join(dir, 'demo-keys.json'), 'utf8')) as Array<{ name: string; key: string }>;
      expect((await stat(join(dir, 'demo-keys.json'))).mode & 0o777).toBe(0o600);
      const agent = saved.find((k) => k.name === 'demo acme agent')?.key as string;
      const globex = saved.find((k) => k.name === 'demo globex agent')?.key as string;
      expect(run.output()).toContain(agent);
      expect(run.output()).toContain(`-H 'authorization: Bearer ${agent}'`);

      const url = `http://127.0.0.1:${port}/graphql`;
      const ask = (headers: Record<string, string>) =>
        fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: '{ userProfile(userId: "u1") { displayName } }' }) });
      const anonymous = await ask({});
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="engram"');
      expect(await (await ask({ authorization: `Bearer ${agent}` })).json()).toEqual({ data: { userProfile: { displayName: 'Ada Lovelace' } }, extensions: expect.any(Object) });
      const other = (await (await ask({ authorization: `Bearer ${globex}` })).json()) as { data: { userProfile: { displayName: string } } };
      expect(other.data.userProfile.displayName).toBe(`${globexDemo.users[0]?.firstName} ${globexDemo.users[0]?.lastName}`);

      // GraphiQL's page loads without credentials, with the acme agent key in its headers pane.
      const page = await fetch(url, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(agent);
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  });
});
