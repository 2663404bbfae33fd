import type { YogaLogger } from 'graphql-yoga';
import type { Logger } from 'pino';
import { EngramError } from '../errors/index.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

/** An error as a log field: what it is, where it came from, and what caused it (a few levels). */
function describeError(error: Error, depth = 0): Record<string, unknown> {
  const original = (error as { originalError?: unknown }).originalError;
  const cause = original instanceof Error ? original : error.cause instanceof Error ? error.cause : undefined;
  const path = (error as { path?: unknown }).path;
  return {
    type: error.name,
    message: error.message,
    ...(Array.isArray(path) ? { path: path.join('.') } : {}),
    stack: error.stack,
    ...(cause && depth < 3 ? { cause: describeError(cause, depth + 1) } : {}),
  };
}

/** True for an error that is, or wraps, an EngramError: typed, client-facing, expected. */
function isExpected(error: Error): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if (current instanceof EngramError) return true;
    current = (current as { originalError?: unknown }).originalError ?? current.cause;
  }
  return false;
}

/**
 * yoga's logger on pino. yoga logs Error objects as arguments, which serialize to `{}` as plain
 * values; here they become `error` fields with type, message, stack and cause (the error a
 * GraphQLError wraps), so the log of an unexpected error names what went wrong. yoga logs every error it
 * masks; Engram's own (a provider down, bad arguments) are answered to the client with their code
 * and logged at debug, so that error-level lines are the unexpected ones.
 */
export function yogaLogger(logger: Logger | false): YogaLogger {
  if (!logger) return { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  const log = logger.child({ component: 'graphql' });
  const write = (level: Level) => (...args: unknown[]) => {
    const errors = args.filter((a): a is Error => a instanceof Error);
    const texts = args.filter((a): a is string => typeof a === 'string');
    const others = args.filter((a) => !(a instanceof Error) && typeof a !== 'string');
    const fields = {
      // Not `err`: pino's serializer for that key expects an Error and would flatten this one.
      ...(errors[0] ? { error: describeError(errors[0]) } : {}),
      ...(errors.length > 1 ? { errors: errors.slice(1).map((e) => describeError(e)) } : {}),
      ...(others.length > 0 ? { args: others } : {}),
    };
    const effective = level === 'error' && errors.length > 0 && errors.every(isExpected) ? 'debug' : level;
    log[effective](fields, texts.join(' ') || errors[0]?.message || 'yoga');
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
