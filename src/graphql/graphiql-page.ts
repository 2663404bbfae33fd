import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { brotliCompress, constants as zlibConstants, gzip, gunzip } from 'node:zlib';
import type { GraphiQLOptions } from 'graphql-yoga';

/** An operation GraphiQL opens as a tab, ready to run. */
export interface GraphiQLExample {
  /** `# …` line shown above the operation. */
  readonly description: string;
  readonly query: string;
  readonly variables: Readonly<Record<string, unknown>>;
}

export interface GraphiQLPageOptions {
  /** Query shown when GraphiQL opens (its first tab) and in every new tab. */
  readonly defaultQuery?: string;
  /** Operations GraphiQL opens as further tabs, with their variables. @default none */
  readonly examples?: readonly GraphiQLExample[];
  /** Headers GraphiQL's header pane starts with (the demo's API key, in demo mode only). @default none */
  readonly headers?: Readonly<Record<string, string>>;
  /** Where the page's scripts, styles and workers are served. @default '/graphiql/assets' */
  readonly assetsPath?: string;
}

/** A file served as is, compressed once, with a validator for conditional requests. */
export interface StaticFile {
  readonly contentType: string;
  /** A weak validator (the same for every encoding of the file). */
  readonly etag: string;
  readonly cacheControl: string;
  readonly br: Buffer;
  readonly gzip: Buffer;
  /** The uncompressed bytes, for the rare client that accepts no compression (not kept in memory). */
  identity(): Promise<Buffer>;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
const BUNDLE_TIMEOUT_MS = 60_000;
const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
const brotliAsync = promisify(brotliCompress);

interface Compressed {
  readonly hash: string;
  readonly br: Buffer;
  readonly gzip: Buffer;
}

const brotliOptions = (size: number): { params: Record<number, number> } => ({
  params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 6, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: size },
});

const hashOf = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('base64url').slice(0, 16);

const asStaticFile = ({ hash, br, gzip: gz }: Compressed, contentType: string, cacheControl: string): StaticFile & { readonly hash: string } => ({
  contentType,
  etag: `W/"${hash}"`,
  cacheControl,
  br,
  gzip: gz,
  hash,
  identity: () => gunzipAsync(gz),
});

async function staticFile(content: string | Buffer, contentType: string, cacheControl: string): Promise<StaticFile & { readonly hash: string }> {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  const [br, gz] = await Promise.all([brotliAsync(bytes, brotliOptions(bytes.length)), gzipAsync(bytes, { level: 9 })]);
  return asStaticFile({ hash: hashOf(bytes), br, gzip: gz }, contentType, cacheControl);
}

const BUNDLE_PARTS = ['js', 'css', 'editorWorkerService', 'jsonWorker', 'graphqlWorker'] as const;
type BundlePart = (typeof BUNDLE_PARTS)[number];

interface CompressedBundle {
  readonly parts: Readonly<Record<BundlePart, Compressed>>;
  /** A `data:` URL. */
  readonly favicon: string;
}

/**
 * Run by a child process: reads GraphiQL's bundle, compresses each part (brotli quality 6: within a
 * few per cent of its best for a fraction of the time) and sends them back. Reading
 * and compressing 9 MB in the server would leave ≈ 80 MB of RSS behind (heap pages and malloc arenas
 * the process keeps); a child's memory goes back to the system when it exits.
 */
const COMPRESS_BUNDLE = `
const { createHash } = require('node:crypto');
const { createRequire } = require('node:module');
const zlib = require('node:zlib');
const bundle = createRequire(process.argv[1])('@graphql-yoga/render-graphiql/graphiql');
const parts = {};
for (const name of ${JSON.stringify(BUNDLE_PARTS)}) {
  const bytes = Buffer.from(bundle[name]);
  parts[name] = {
    hash: createHash('sha256').update(bytes).digest('base64url').slice(0, 16),
    br: zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 6, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }),
    gzip: zlib.gzipSync(bytes, { level: 9 }),
  };
}
process.send({ parts, favicon: bundle.favicon }, () => process.disconnect());
`;

function isCompressedBundle(value: unknown): value is CompressedBundle {
  const v = value as { parts?: Record<string, Partial<Compressed> | undefined>; favicon?: unknown } | null;
  return (
    typeof v === 'object' && v !== null && typeof v.favicon === 'string' && typeof v.parts === 'object' &&
    BUNDLE_PARTS.every((name) => {
      const part = v.parts?.[name];
      return typeof part?.hash === 'string' && Buffer.isBuffer(part.br) && Buffer.isBuffer(part.gzip);
    })
  );
}

/** GraphiQL's bundle, compressed by a short-lived child process (see `COMPRESS_BUNDLE`). */
function compressBundle(): Promise<CompressedBundle> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', COMPRESS_BUNDLE, fileURLToPath(import.meta.url)], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'advanced',
      timeout: BUNDLE_TIMEOUT_MS,
    });
    let answer: unknown;
    child.once('message', (message) => {
      answer = message;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (isCompressedBundle(answer)) resolve(answer);
      else reject(new Error(`Compressing GraphiQL's assets failed: the child process exited (${signal ?? `code ${code}`}) without them.`));
    });
  });
}

/** Monaco's worker label, the bundle's part, the served file's name. */
const WORKERS = [
  ['editorWorkerService', 'editorWorkerService', 'editor.worker'],
  ['json', 'jsonWorker', 'json.worker'],
  ['graphql', 'graphqlWorker', 'graphql.worker'],
] as const;

/** `<` escaped, so that no string in the options can close the inline script. */
const inlineJson = (value: unknown): string => JSON.stringify(value).replaceAll('<', '\\u003c');

/**
 * GraphiQL, offline (no CDN): a small HTML page naming its scripts, styles and editor workers by
 * content hash, served from this server compressed and cacheable for a year. Nothing is loaded
 * until a browser first asks for the page.
 */
export class GraphiQLPage {
  readonly assetsPath: string;
  readonly #options: GraphiQLOptions;
  #files: Promise<{ page: StaticFile; assets: ReadonlyMap<string, StaticFile> }> | undefined;

  constructor(options: GraphiQLPageOptions = {}) {
    this.assetsPath = options.assetsPath ?? '/graphiql/assets';
    this.#options = graphiqlOptions(options);
  }

  /** The HTML page (revalidated on every load: it carries the options). */
  async page(): Promise<StaticFile> {
    return (await this.#load()).page;
  }

  /** An asset by its hashed file name, e.g. `graphiql.<hash>.js`; `undefined` for any other name. */
  async asset(name: string): Promise<StaticFile | undefined> {
    return (await this.#load()).assets.get(name);
  }

  #load(): Promise<{ page: StaticFile; assets: ReadonlyMap<string, StaticFile> }> {
    this.#files ??= this.#build().catch((error: unknown) => {
      this.#files = undefined;
      throw error;
    });
    return this.#files;
  }

  async #build(): Promise<{ page: StaticFile; assets: ReadonlyMap<string, StaticFile> }> {
    const bundle = await compressBundle();
    const script = 'text/javascript; charset=utf-8';
    const part = (name: BundlePart, contentType: string): StaticFile & { readonly hash: string } => asStaticFile(bundle.parts[name], contentType, IMMUTABLE);
    const favicon = /^data:([^;,]+);base64,(.*)$/s.exec(bundle.favicon);
    const icon = favicon ? await staticFile(Buffer.from(favicon[2] ?? '', 'base64'), favicon[1] ?? 'image/x-icon', IMMUTABLE) : undefined;
    const assets = new Map<string, StaticFile>();
    const url = (name: string, file: StaticFile & { readonly hash: string }, ext: string): string => {
      const fileName = `${name}.${file.hash}.${ext}`;
      assets.set(fileName, file);
      return `${this.assetsPath}/${fileName}`;
    };
    const workerUrls = Object.fromEntries(WORKERS.map(([label, name, file]) => [label, url(file, part(name, script), 'js')]));
    const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(this.#options.title ?? 'Engram')}</title>
    ${icon ? `<link rel="icon" href="${url('favicon', icon, 'ico')}" />` : ''}
    <link rel="stylesheet" href="${url('graphiql', part('css', 'text/css; charset=utf-8'), 'css')}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run this app.</noscript>
    <div id="root"></div>
    <script>
      const workers = ${inlineJson(workerUrls)};
      self['MonacoEnvironment'] = { globalAPI: false, getWorkerUrl: (moduleId, label) => workers[label] };
    </script>
    <script src="${url('graphiql', part('js', script), 'js')}"></script>
    <script>
      YogaGraphiQL.renderYogaGraphiQL(window.document.querySelector('#root'), ${inlineJson(this.#options)});
    </script>
  </body>
</html>
`;
    // The page may carry a demo key: a browser keeps it for itself only and asks again each time.
    const page = await staticFile(html, 'text/html; charset=utf-8', 'private, no-cache');
    return { page, assets };
  }
}

const escapeHtml = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

function graphiqlOptions(options: GraphiQLPageOptions): GraphiQLOptions {
  const headers = options.headers ? JSON.stringify(options.headers, null, 2) : undefined;
  const tabHeaders = headers ? { headers } : {};
  const tabs = [
    ...(options.defaultQuery ? [{ query: options.defaultQuery, ...tabHeaders }] : []),
    ...(options.examples ?? []).map((example) => ({
      query: `# ${example.description}\n${example.query}\n`,
      variables: JSON.stringify(example.variables, null, 2),
      ...tabHeaders,
    })),
  ];
  return {
    title: 'Engram',
    ...(options.defaultQuery ? { defaultQuery: options.defaultQuery } : {}),
    ...(tabs.length > 0 ? { defaultTabs: tabs } : {}),
    ...(headers ? { headers, defaultHeaders: headers } : {}),
    defaultEditorToolsVisibility: headers ? 'headers' : 'variables',
  };
}
