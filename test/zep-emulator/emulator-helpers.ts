import type { ZepEmulator } from '../../src/zep-emulator/index.js';

export interface RawResponse {
  readonly status: number;
  readonly body: unknown;
}

/** Calls the emulator's API without the SDK, with the right key unless `apiKey` says otherwise. */
export async function rawApi(
  emulator: ZepEmulator,
  method: string,
  path: string,
  body?: unknown,
  apiKey: string | null = emulator.apiKey,
): Promise<RawResponse> {
  const headers: Record<string, string> = {};
  if (apiKey !== null) headers['authorization'] = `Api-Key ${apiKey}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${emulator.baseUrl}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

/** Calls a control endpoint (`/_emulator/...`) or `/healthz`. */
export async function control(emulator: ZepEmulator, method: string, path: string, body?: string): Promise<RawResponse> {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }),
  });
  return { status: response.status, body: await response.json() };
}
