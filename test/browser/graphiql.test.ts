import sparticuzChromium from '@sparticuz/chromium';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClientStack, type ClientStack } from '../clients/client-stack.js';

/** Flags for a Chromium named by `CHROMIUM_PATH` (e.g. Debian's `/usr/bin/chromium`). */
const CHROMIUM_PATH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * The Chromium that `npm ci` brings: `@sparticuz/chromium` ships a headless Chromium inside the npm
 * package and unpacks it to the temp directory on first use, so no browser download and no system
 * package is needed. `CHROMIUM_PATH` names another binary instead.
 */
async function launchChromium(): Promise<Browser> {
  const override = process.env['CHROMIUM_PATH'];
  if (override) return chromium.launch({ executablePath: override, headless: true, args: CHROMIUM_PATH_ARGS });
  // GraphiQL needs no WebGL: skip unpacking SwiftShader.
  sparticuzChromium.setGraphicsMode = false;
  const executablePath = await sparticuzChromium.executablePath();
  // `--single-process` is for AWS Lambda; with it, closing a browser context closes the whole
  // browser (microsoft/playwright#1904), and each test here opens and closes its own context.
  // Its GPU flags (in-process GPU on SwiftShader) need the graphics libraries that were not unpacked:
  // without them the GPU process fails and takes the browser down, so the GPU is turned off instead.
  const dropped = new Set(['--single-process', '--in-process-gpu', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist']);
  const args = [...sparticuzChromium.args.filter((arg) => !dropped.has(arg)), '--disable-gpu'];
  return chromium.launch({ executablePath, headless: true, args });
}

let stack: ClientStack;
let browser: Browser;

beforeAll(async () => {
  // No silent skip: a browser that does not start fails this suite.
  [stack, browser] = await Promise.all([startClientStack(), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

/** Opens GraphiQL and records every request the page makes that does not go to Engram. */
async function openGraphiQL(): Promise<{ page: Page; foreign: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const foreign: string[] = [];
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(stack.server.url) && !url.startsWith('data:') && !url.startsWith('blob:')) foreign.push(url);
  });
  const response = await page.goto(`${stack.endpoint}`, { waitUntil: 'load' });
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-type']).toContain('text/html');
  await page.locator('.graphiql-execute-button').waitFor({ state: 'visible', timeout: 30_000 });
  return { page, foreign };
}

/** The text of GraphiQL's result pane (the editor renders spaces as no-break spaces). */
async function resultText(page: Page): Promise<string> {
  return ((await page.locator('.graphiql-response').textContent()) ?? '').replaceAll('\u00a0', ' ');
}

/** The text of GraphiQL's result pane once it contains `expected`; else says what it shows. */
async function resultContaining(page: Page, expected: string): Promise<string> {
  try {
    await page.waitForFunction(
      (text) => document.querySelector('.graphiql-response')?.textContent?.replaceAll('\u00a0', ' ').includes(text) ?? false,
      expected,
      { timeout: 30_000 },
    );
  } catch (error) {
    const shown = JSON.stringify((await resultText(page)).slice(0, 500));
    throw new Error(`GraphiQL's result pane did not show ${expected} within 30 s; it shows ${shown}.`, { cause: error });
  }
  return resultText(page);
}

describe('GraphiQL at /graphql in a real browser', () => {
  it('loads without the internet, opens the demo query and runs it with the run button', { timeout: 60_000 }, async () => {
    const { page, foreign } = await openGraphiQL();
    expect(await page.title()).toBe('Engram');
    await page.locator('.graphiql-execute-button').click();
    const result = await resultContaining(page, 'Ada Lovelace');
    expect(result).toContain('"displayName": "Ada Lovelace"');
    expect(foreign).toEqual([]);
    // The editor's GraphQL language service runs in a worker loaded from Engram's cached assets.
    await expect
      .poll(() => page.workers().map((worker) => new URL(worker.url()).pathname), { timeout: 10_000 })
      .toContainEqual(expect.stringMatching(/^\/graphiql\/assets\/graphql\.worker\.[\w-]{16}\.js$/));
    await page.context().close();
  });

  it('offers the demo operations as tabs, with variables, and runs one with Ctrl+Enter', { timeout: 60_000 }, async () => {
    const { page, foreign } = await openGraphiQL();
    const tabs = page.locator('.graphiql-tab-button');
    expect(await tabs.allTextContents()).toEqual([
      'DemoContext',
      'AgentContext',
      'AgentContextBundle',
      'UserProfile',
      'UserFacts',
      'ThreadMessages',
      'ThreadContext',
      'SearchDocuments',
    ]);
    // GraphiQL's tabs are draggable and do not take a synthetic mouse click: select with the keyboard.
    await tabs.filter({ hasText: /^AgentContext$/ }).focus();
    await page.keyboard.press('Enter');
    await page.locator('.graphiql-tab-active .graphiql-tab-button', { hasText: /^AgentContext$/ }).waitFor({ timeout: 5_000 });
    // The AgentContext tab brings its variables.
    await page.waitForFunction(() => document.querySelector('.graphiql-editor-tool')?.textContent?.includes('t1') ?? false);
    await page.locator('.graphiql-query-editor').click();
    // The editor takes the key once its input area has the focus.
    await page.waitForFunction(() => document.querySelector('.graphiql-query-editor')?.contains(document.activeElement) ?? false);
    // GraphiQL learns the new tab's operation name from an editor change event; on a loaded machine
    // a key pressed before that runs the previous tab's name ("Cannot infer operation DemoContext").
    // An edit makes it re-read the document; a run that still lost the race is pressed again.
    await page.keyboard.press('Control+End');
    await page.keyboard.type(' ');
    for (let attempt = 0; attempt < 3; attempt++) {
      await page.keyboard.press('Control+Enter');
      const outcome = await page
        .waitForFunction(
          () => {
            const text = document.querySelector('.graphiql-response')?.textContent?.replaceAll('\u00a0', ' ') ?? '';
            return text.includes('"threadContext"') ? 'done' : text.includes('Cannot infer operation') ? 'retry' : false;
          },
          undefined,
          { timeout: 20_000 },
        )
        .then((handle) => handle.jsonValue())
        .catch(() => 'timeout');
      if (outcome !== 'retry') break;
      await page.waitForTimeout(500);
    }
    const result = await resultContaining(page, '"threadContext"');
    expect(result).toContain('"displayName": "Ada Lovelace"');
    expect(result).toContain('"timezone": "Europe/London"');
    expect(foreign).toEqual([]);
    await page.context().close();
  });
});
