import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
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
const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
const brotliAsync = promisify(brotliCompress);

async function staticFile(content: string | Buffer, contentType: string, cacheControl: string): Promise<StaticFile & { readonly hash: string }> {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  const hash = createHash('sha256').update(bytes).digest('base64url').slice(0, 16);
  // Quality 6: within a few per cent of brotli's best for a fraction of its time on the 9 MB bundle.
  const [br, gz] = await Promise.all([
    brotliAsync(bytes, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 6, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }),
    gzipAsync(bytes, { level: 9 }),
  ]);
  return { contentType, etag: `W/"${hash}"`, cacheControl, br, gzip: gz, hash, identity: () => gunzipAsync(gz) };
}

interface GraphiQLBundle {
  readonly js: string;
  readonly css: string;
  readonly favicon: string;
  readonly editorWorkerService: string;
  readonly jsonWorker: string;
  readonly graphqlWorker: string;
}

/**
 * GraphiQL's bundle (≈ 9 MB of source held as strings), read once and dropped: it is required as
 * CommonJS and removed from the require cache, so that only the compressed copies stay in memory.
 */
function readBundle(): GraphiQLBundle {
  const require = createRequire(import.meta.url);
  const id = require.resolve('@graphql-yoga/render-graphiql/graphiql');
  try {
    return require(id) as GraphiQLBundle;
  } finally {
    delete require.cache[id];
  }
}

const WORKERS = [
  ['editorWorkerService', 'editor.worker'],
  ['json', 'json.worker'],
  ['graphql', 'graphql.worker'],
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
    const bundle = readBundle();
    const favicon = /^data:([^;,]+);base64,(.*)$/s.exec(bundle.favicon);
    const [js, css, icon, ...workers] = await Promise.all([
      staticFile(bundle.js, 'text/javascript; charset=utf-8', IMMUTABLE),
      staticFile(bundle.css, 'text/css; charset=utf-8', IMMUTABLE),
      favicon ? staticFile(Buffer.from(favicon[2] ?? '', 'base64'), favicon[1] ?? 'image/x-icon', IMMUTABLE) : undefined,
      staticFile(bundle.editorWorkerService, 'text/javascript; charset=utf-8', IMMUTABLE),
      staticFile(bundle.jsonWorker, 'text/javascript; charset=utf-8', IMMUTABLE),
      staticFile(bundle.graphqlWorker, 'text/javascript; charset=utf-8', IMMUTABLE),
    ]);
    const assets = new Map<string, StaticFile>();
    const url = (name: string, file: StaticFile & { readonly hash: string }, ext: string): string => {
      const fileName = `${name}.${file.hash}.${ext}`;
      assets.set(fileName, file);
      return `${this.assetsPath}/${fileName}`;
    };
    const workerUrls = Object.fromEntries(WORKERS.map(([label, name], i) => [label, url(name, workers[i] as StaticFile & { hash: string }, 'js')]));
    const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(this.#options.title ?? 'Engram')}</title>
    ${icon ? `<link rel="icon" href="${url('favicon', icon, 'ico')}" />` : ''}
    <link rel="stylesheet" href="${url('graphiql', css, 'css')}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run this app.</noscript>
    <div id="root"></div>
    <script>
      const workers = ${inlineJson(workerUrls)};
      self['MonacoEnvironment'] = { globalAPI: false, getWorkerUrl: (moduleId, label) => workers[label] };
    </script>
    <script src="${url('graphiql', js, 'js')}"></script>
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
