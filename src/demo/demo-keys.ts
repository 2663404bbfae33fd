import { chmod, readFile, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { Scopes, type ApiKeyStore } from '../auth/index.js';

/** One API key of the embedded demo, as kept in its data directory and printed at start. */
export interface DemoKey {
  readonly name: string;
  readonly tenant: string;
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly key: string;
}

/** The demo's principals: an agent per tenant, one person, and an operator. */
const DEMO_PRINCIPALS: ReadonlyArray<Omit<DemoKey, 'key'>> = [
  { name: 'demo acme agent', tenant: 'acme', subject: 'demo-agent', scopes: [Scopes.readAny, Scopes.writeAny] },
  { name: 'demo acme user u1 (Ada Lovelace)', tenant: 'acme', subject: 'u1', scopes: [Scopes.read, Scopes.write] },
  { name: 'demo globex agent', tenant: 'globex', subject: 'demo-agent', scopes: [Scopes.readAny, Scopes.writeAny] },
  { name: 'demo acme operator', tenant: 'acme', subject: 'demo-admin', scopes: [Scopes.admin, Scopes.readAny] },
];

const KeyFile = z.array(z.object({ name: z.string(), tenant: z.string(), subject: z.string(), scopes: z.array(z.string()), key: z.string() }));

async function readKeys(file: string): Promise<DemoKey[] | undefined> {
  try {
    return KeyFile.parse(JSON.parse(await readFile(file, 'utf8')));
  } catch {
    return undefined;
  }
}

/**
 * The demo's API keys: the ones kept in `file` while they still verify against the database, else a
 * fresh random set (written to `file`, readable by its owner only; earlier demo keys are revoked). Secrets are random per data
 * directory, never fixed in code; the database keeps only their hashes.
 */
export async function ensureDemoKeys(keys: ApiKeyStore, file: string): Promise<{ keys: DemoKey[]; created: boolean }> {
  const existing = await readKeys(file);
  if (existing && existing.length === DEMO_PRINCIPALS.length) {
    const checks = await Promise.all(existing.map((k) => keys.verify(k.key)));
    if (checks.every((c) => !('refused' in c))) return { keys: existing, created: false };
  }
  // Keys of an earlier set (file lost or damaged) stop working: nobody holds their secrets any more.
  const names = new Set(DEMO_PRINCIPALS.map((p) => p.name));
  for (const info of await keys.list()) if (names.has(info.name) && info.revokedAt === null) await keys.revoke(info.id);
  const created: DemoKey[] = [];
  for (const principal of DEMO_PRINCIPALS) {
    const { key } = await keys.create({ tenant: principal.tenant, subject: principal.subject, scopes: principal.scopes, name: principal.name });
    created.push({ ...principal, key });
  }
  await writeFile(file, `${JSON.stringify(created, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return { keys: created, created: true };
}
