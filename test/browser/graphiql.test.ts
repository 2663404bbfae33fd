import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClientStack, type ClientStack } from '../clients/client-stack.js';

/** Debian's Chromium (`apt-get install -y chromium`; `.ci/run` installs it when missing). */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

let stack: ClientStack;
let browser: Browser;

beforeAll(async () => {
  // No silent skip: without a browser this suite fails and says how to get one.
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: run \`apt-get install -y chromium\` (as .ci/run does) or set CHROMIUM_PATH.`);
  }
  [stack, browser] = await Promise.all([startClientStack(), chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })]);
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

/** The text of GraphiQL's result pane once it contains `expected`. */
async function resultContaining(page: Page, expected: string): Promise<string> {
  await page.waitForFunction(
    (text) => document.querySelector('.graphiql-response')?.textContent?.replaceAll('\u00a0', ' ').includes(text) ?? false,
    expected,
    { timeout: 30_000 },
  );
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
    await page.context().close();
  });

  it('offers the demo operations as tabs, with variables, and runs one with Ctrl+Enter', { timeout: 60_000 }, async () => {
    const { page, foreign } = await openGraphiQL();
    const tabs = page.locator('.graphiql-tab-button');
    expect(await tabs.allTextContents()).toEqual([
      'DemoContext',
      'AgentContext',
      'UserProfile',
      'UserFacts',
      'ThreadMessages',
      'ThreadContext',
      'SearchDocuments',
    ]);
    // GraphiQL's tabs are draggable and do not take a synthetic mouse click: select with the keyboard.
    await tabs.filter({ hasText: 'AgentContext' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('.graphiql-tab-active', { hasText: 'AgentContext' }).waitFor({ timeout: 5_000 });
    // The AgentContext tab brings its variables.
    await page.waitForFunction(() => document.querySelector('.graphiql-editor-tool')?.textContent?.includes('t1') ?? false);
    await page.locator('.graphiql-query-editor').click();
    await page.keyboard.press('Control+Enter');
    const result = await resultContaining(page, '"threadContext"');
    expect(result).toContain('"displayName": "Ada Lovelace"');
    expect(result).toContain('"timezone": "Europe/London"');
    expect(foreign).toEqual([]);
    await page.context().close();
  });
});
