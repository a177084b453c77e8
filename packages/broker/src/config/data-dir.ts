/**
 * Checks that `log.dirs` can hold the broker's data before anything is written there, and says
 * in one line why not. Missing directories are created one level at a time: Node's recursive
 * mkdir never returns under /proc (it retries the ENOENT forever) and reports a read-only file
 * system as ENOENT, which hides the real reason.
 */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export class DataDirError extends Error {
  override readonly name = 'DataDirError';
}

/** Creates `dir` if needed and checks it is a writable directory; throws DataDirError if not. */
export function prepareDataDir(dir: string): void {
  const target = resolve(dir);
  const missing: string[] = [];
  let existing = target;
  for (;;) {
    const stat = statOrThrow(dir, existing);
    if (stat) {
      if (!stat.isDirectory()) throw problem(dir, `${existing} is not a directory`);
      break;
    }
    missing.unshift(existing);
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  for (const path of missing) {
    try {
      mkdirSync(path);
    } catch (err) {
      throw problem(dir, `cannot create ${path}: ${reason(err, dirname(path))}`);
    }
  }
  try {
    accessSync(target, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (err) {
    throw problem(dir, `cannot write to ${target}: ${reason(err, target)}`);
  }
}

function statOrThrow(dir: string, path: string): ReturnType<typeof statSync> {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch (err) {
    throw problem(dir, `cannot use ${path}: ${reason(err, dirname(path))}`);
  }
}

const problem = (dir: string, what: string): DataDirError =>
  new DataDirError(`log.dirs=${dir} is not usable as the data directory: ${what}`);

/** A sentence for the errno, naming the directory whose nature is the cause. */
function reason(err: unknown, parent: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EROFS':
      return 'the file system is read-only';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'ENOENT':
      // The parent exists (it was just checked), so this file system refuses new entries (/proc).
      return `${parent} does not allow creating directories`;
    default:
      return `${code ?? 'error'}: ${(err as Error).message}`;
  }
}
