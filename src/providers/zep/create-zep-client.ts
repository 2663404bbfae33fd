import { ZepClient } from '@getzep/zep-cloud';

export interface CreateZepClientOptions {
  readonly apiKey: string;
  /**
   * API root, e.g. `http://127.0.0.1:8000/api/v2` for the emulator.
   * @default Zep Cloud (`https://api.getzep.com/api/v2`)
   */
  readonly baseUrl?: string;
}

/** A Zep SDK client; timeouts and retries are set per call by `ZepProvider`, not here. */
export function createZepClient(options: CreateZepClientOptions): ZepClient {
  if (options.apiKey.trim() === '') throw new RangeError('createZepClient: apiKey must be a non-empty string, received ""');
  return new ZepClient(options.baseUrl === undefined ? { apiKey: options.apiKey } : { apiKey: options.apiKey, baseUrl: options.baseUrl });
}
