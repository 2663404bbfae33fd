/**
 * Messages between the bench harness and its child processes (servers, the Zep emulator), over the
 * IPC channel of `child_process.fork`. Children never print results: the harness asks for counters.
 */

/** Monotonic counters of one child since it started; the harness works with deltas. */
export interface ServerCounters {
  /** HTTP requests received (GraphQL or REST; Zep API requests for the emulator). */
  readonly requests: number;
  /** SQL statements sent to PostgreSQL. */
  readonly sqlStatements: number;
  /** Zep SDK calls made (for the emulator: API requests answered). */
  readonly zepCalls: number;
  /** Keys whose provider result was an error (Engram only; 0 elsewhere). */
  readonly providerErrors: number;
}

export type ChildMessage =
  | { readonly type: 'ready'; readonly port: number; readonly info?: Readonly<Record<string, string>> }
  | { readonly type: 'counters'; readonly id: number; readonly counters: ServerCounters }
  | { readonly type: 'failed'; readonly message: string };

export type ParentMessage = { readonly type: 'counters'; readonly id: number };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

function isCounters(value: unknown): value is ServerCounters {
  return isRecord(value) && ['requests', 'sqlStatements', 'zepCalls', 'providerErrors'].every((k) => typeof value[k] === 'number');
}

export function isChildMessage(value: unknown): value is ChildMessage {
  if (!isRecord(value)) return false;
  switch (value['type']) {
    case 'ready':
      return typeof value['port'] === 'number';
    case 'counters':
      return typeof value['id'] === 'number' && isCounters(value['counters']);
    case 'failed':
      return typeof value['message'] === 'string';
    default:
      return false;
  }
}

export function isParentMessage(value: unknown): value is ParentMessage {
  return isRecord(value) && value['type'] === 'counters' && typeof value['id'] === 'number';
}

export const zeroCounters: ServerCounters = { requests: 0, sqlStatements: 0, zepCalls: 0, providerErrors: 0 };

export function subtractCounters(after: ServerCounters, before: ServerCounters): ServerCounters {
  return {
    requests: after.requests - before.requests,
    sqlStatements: after.sqlStatements - before.sqlStatements,
    zepCalls: after.zepCalls - before.zepCalls,
    providerErrors: after.providerErrors - before.providerErrors,
  };
}
