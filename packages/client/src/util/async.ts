/** Small promise and timing helpers. */

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));

/**
 * Exponential backoff with ±20% jitter, as Kafka's `retry.backoff.ms`/`retry.backoff.max.ms`:
 * `base * 2^attempt`, capped at `max`.
 */
export function backoffMs(attempt: number, base: number, max: number, random: () => number = Math.random): number {
  const exp = Math.min(max, base * 2 ** Math.max(0, attempt));
  const jitter = 0.8 + random() * 0.4;
  return Math.max(0, Math.round(Math.min(max, exp * jitter)));
}
