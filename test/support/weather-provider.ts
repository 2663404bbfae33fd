/**
 * A provider in one file, as a team would add one: `defineProvider` with one batched operation.
 * Engram brings batching, de-duplication, policies, error mapping and counting.
 */
import { defineProvider, ProviderUnavailableError } from '../../src/index.js';

export interface Forecast {
  readonly city: string;
  readonly summary: string;
  readonly highC: number;
}

/** Every call of `forecast.load`, with its keys and tenant, for tests to inspect. */
export const weatherCalls: Array<{ keys: string[]; tenant: string }> = [];

const FORECASTS: Readonly<Record<string, Omit<Forecast, 'city'>>> = {
  london: { summary: 'drizzle', highC: 12 },
  tokyo: { summary: 'clear', highC: 19 },
};

export const weather = defineProvider({
  name: 'weather',
  operations: {
    forecast: {
      load: async (cities: readonly string[], { tenant, countCall }) => {
        weatherCalls.push({ keys: [...cities], tenant });
        countCall();
        return cities.map((city): Forecast | null | Error => {
          if (city === 'atlantis') return new Error('ECONNREFUSED weather service');
          const found = FORECASTS[city];
          return found ? { city, ...found } : null;
        });
      },
      maxBatchSize: 50,
    },
  },
  mapError: (error, operation) => new ProviderUnavailableError({ provider: 'weather', operation }, error instanceof Error ? 'the weather service is down' : String(error)),
});
