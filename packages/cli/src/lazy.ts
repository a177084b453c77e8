/**
 * A command's implementation, imported when the command runs rather than when the program starts:
 * `gregor --help`, `gregor --version` and usage errors then load only the command tree, and each
 * command loads only its own module (and, through it, the client and the codec). In the bundle
 * each lazily imported module becomes a chunk of its own.
 */
export function lazy<M, K extends keyof M>(load: () => Promise<M>, name: K): M[K] {
  const run = async (...args: unknown[]): Promise<unknown> => {
    const fn = (await load())[name] as (...a: unknown[]) => unknown;
    return fn(...args);
  };
  return run as M[K];
}
