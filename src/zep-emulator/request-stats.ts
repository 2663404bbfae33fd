/** API requests received, in total and by route template (`GET /threads/:threadId/context`). */
export interface RequestStatsSnapshot {
  readonly total: number;
  readonly byRoute: Record<string, number>;
}

/**
 * Counts API requests, including the ones answered with an injected fault or a 401.
 * @internal
 */
export class RequestStats {
  #total = 0;
  readonly #byRoute = new Map<string, number>();

  record(route: string): void {
    this.#total += 1;
    this.#byRoute.set(route, (this.#byRoute.get(route) ?? 0) + 1);
  }

  snapshot(): RequestStatsSnapshot {
    const byRoute: Record<string, number> = {};
    for (const route of [...this.#byRoute.keys()].sort()) byRoute[route] = this.#byRoute.get(route) as number;
    return { total: this.#total, byRoute };
  }

  reset(): void {
    this.#total = 0;
    this.#byRoute.clear();
  }
}
