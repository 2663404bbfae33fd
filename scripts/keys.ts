/**
 * API keys for agents and services: `npm run keys -- create|list|revoke …`. Uses the database of
 * DATABASE_URL, else the embedded one in PGLITE_DIR (stop the server first: PGlite has one writer).
 */
import { parseArgs } from 'node:util';
import { ApiKeyStore, Scopes } from '../src/auth/index.js';
import { loadConfig, type EngramConfig } from '../src/config.js';
import { ConfigError, errorMessage } from '../src/errors/index.js';
import { migrateToLatest, openDatabase } from '../src/providers/postgres/index.js';

const USAGE = `Usage:
  npm run keys -- create --tenant <tenant> --subject <subject> --scopes <s1,s2> --name <text> [--expires-in-days <n>]
  npm run keys -- list [--tenant <tenant>]
  npm run keys -- revoke <key id>

Scopes: ${Object.values(Scopes).join(', ')}`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      subject: { type: 'string' },
      scopes: { type: 'string' },
      name: { type: 'string' },
      'expires-in-days': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) fail('Manage Engram API keys.');

  let config: EngramConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  const database = config.database.kind === 'postgres'
    ? await openDatabase({ url: config.database.url, poolSize: 2 })
    : await openDatabase({ pgliteDir: config.database.dir });
  try {
    await migrateToLatest(database.db);
    const keys = new ApiKeyStore(database.db);
    switch (command) {
      case 'create': {
        const { tenant, subject, scopes, name } = values;
        if (!tenant || !subject || !scopes || !name) fail('create needs --tenant, --subject, --scopes and --name.');
        const days = values['expires-in-days'] === undefined ? undefined : Number(values['expires-in-days']);
        if (days !== undefined && !(Number.isFinite(days) && days > 0)) fail('--expires-in-days must be a positive number.');
        const list = scopes.split(',').map((s) => s.trim()).filter((s) => s !== '');
        const unknown = list.filter((s) => !(Object.values(Scopes) as string[]).includes(s));
        if (unknown.length > 0) process.stderr.write(`note: scopes not checked by Engram itself: ${unknown.join(', ')}\n`);
        const { key, info } = await keys.create({
          tenant,
          subject,
          scopes: list,
          name,
          ...(days === undefined ? {} : { expiresAt: new Date(Date.now() + days * 86_400_000) }),
        });
        process.stdout.write(`Created key ${info.id} for ${info.tenant}/${info.subject} (${info.scopes.join(' ')})${info.expiresAt ? `, expires ${info.expiresAt.toISOString()}` : ''}.\n`);
        process.stdout.write(`The secret is shown this once; store it now:\n\n  ${key}\n\n`);
        break;
      }
      case 'list': {
        const rows = await keys.list(values.tenant);
        if (rows.length === 0) process.stdout.write('No API keys.\n');
        for (const k of rows) {
          const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : k.expiresAt && k.expiresAt <= new Date() ? 'expired' : 'active';
          process.stdout.write(
            `${k.id}  ${k.tenant}/${k.subject}  [${k.scopes.join(' ')}]  "${k.name}"  created ${k.createdAt.toISOString()}` +
              `  expires ${k.expiresAt?.toISOString() ?? 'never'}  last used ${k.lastUsedAt?.toISOString() ?? 'never'}  ${state}\n`,
          );
        }
        break;
      }
      case 'revoke': {
        const [id] = rest;
        if (!id) fail('revoke needs the key id (see `npm run keys -- list`).');
        if (!(await keys.revoke(id))) fail(`No active key with id "${id}".`);
        process.stdout.write(`Revoked ${id}; every Engram instance refuses it within 30 s.\n`);
        break;
      }
      default:
        fail(`Unknown command "${command}".`);
    }
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`keys: ${errorMessage(error)}\n`);
  process.exit(1);
});
