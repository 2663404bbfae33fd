import { describe, expect, it } from 'vitest';
import { negotiateEncoding } from '../../src/http/graphiql-route.js';
import { useTestStack } from '../support/test-stack.js';

const stack = useTestStack(() => ({ graphiqlHeaders: { Authorization: 'Bearer egk_test</script>' } }));

const page = (headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${stack.server.url}/graphql`, { headers: { accept: 'text/html', ...headers } });

/** The same-origin URLs the page names: its stylesheet, scripts, icon and editor workers. */
function assetUrls(html: string): string[] {
  return [...html.matchAll(/"(\/graphiql\/assets\/[^"]+)"/g)].map((m) => m[1] as string);
}

describe('GraphiQL, served compressed and cacheable', () => {
  it('serves a small page that names its assets by content hash, compressed as the browser accepts', async () => {
    const br = await page({ 'accept-encoding': 'gzip, deflate, br' });
    expect(br.status).toBe(200);
    expect(br.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('vary')).toBe('Accept-Encoding');
    expect(br.headers.get('cache-control')).toBe('private, no-cache');
    const html = await br.text();
    expect(html.length).toBeLessThan(20_000);
    expect(html).not.toContain('cdn');
    // The demo key reaches the headers pane; no string in the options can close the inline script.
    expect(html).toContain('Bearer egk_test\\u003c/script>');
    const urls = assetUrls(html);
    expect(urls.map((u) => u.replace(/\.[\w-]{16}\./, '.<hash>.')).sort()).toEqual([
      '/graphiql/assets/editor.worker.<hash>.js',
      '/graphiql/assets/favicon.<hash>.ico',
      '/graphiql/assets/graphiql.<hash>.css',
      '/graphiql/assets/graphiql.<hash>.js',
      '/graphiql/assets/graphql.worker.<hash>.js',
      '/graphiql/assets/json.worker.<hash>.js',
    ]);

    const gzip = await page({ 'accept-encoding': 'gzip' });
    expect(gzip.headers.get('content-encoding')).toBe('gzip');
    expect(await gzip.text()).toBe(html);
    const identity = await page({ 'accept-encoding': 'identity' });
    expect(identity.headers.get('content-encoding')).toBeNull();
    expect(await identity.text()).toBe(html);
  });

  it('answers 304 to a browser whose copy is current', async () => {
    const first = await page();
    const etag = first.headers.get('etag') as string;
    expect(etag).toMatch(/^W\/"[\w-]{16}"$/);
    const again = await page({ 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(await again.text()).toBe('');
    expect((await page({ 'if-none-match': 'W/"something-else"' })).status).toBe(200);
  });

  it('serves every asset without credentials, immutable for a year, compressed, and revalidates by ETag', async () => {
    const urls = assetUrls(await (await page()).text());
    for (const url of urls) {
      const response = await fetch(`${stack.server.url}${url}`, { headers: { 'accept-encoding': 'br, gzip' } });
      expect(response.status, url).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(response.headers.get('content-encoding')).toBe('br');
      expect(response.headers.get('content-type')).toMatch(url.endsWith('.css') ? /^text\/css/ : url.endsWith('.js') ? /^text\/javascript/ : /^image\//);
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(1000);
      const etag = response.headers.get('etag') as string;
      expect((await fetch(`${stack.server.url}${url}`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    }
    const script = urls.find((u) => /graphiql\.[\w-]{16}\.js$/.test(u)) as string;
    const raw = await fetch(`${stack.server.url}${script}`, { headers: { 'accept-encoding': 'identity' } });
    expect((await raw.text()).length).toBeGreaterThan(1_000_000);
  });

  it('answers 404 with the usual error shape for a name it does not serve', async () => {
    const response = await fetch(`${stack.server.url}/graphiql/assets/graphiql.0000000000000000.js`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No GraphiQL asset named "graphiql.0000000000000000.js".' } });
  });

  it('negotiates brotli, then gzip, then none, and honours q=0', () => {
    expect(negotiateEncoding('gzip, deflate, br, zstd')).toBe('br');
    expect(negotiateEncoding('gzip;q=1.0, br;q=0')).toBe('gzip');
    expect(negotiateEncoding('*')).toBe('gzip');
    expect(negotiateEncoding('deflate')).toBe('identity');
    expect(negotiateEncoding(undefined)).toBe('identity');
  });
});
