import fs from 'node:fs';

/**
 * The open file descriptors of a data directory's segment files (`.log`, `.index`, `.timeindex`),
 * at most `maxOpen` at once. Files are opened on first use and kept open while they are used;
 * when the pool is full the least recently used one is closed, and reopened if it is needed
 * again. So a broker with thousands of partitions holds a bounded number of descriptors instead
 * of several per segment (Kafka keeps them all open and asks for a very high `ulimit -n`).
 *
 * Descriptors are only handed out for the duration of a synchronous callback (`use`), so no
 * caller can hold one across an `await` while the pool closes it and the number is reused for
 * another file. A callback may itself use the pool (nested files stay pinned until it returns).
 *
 * Everything is opened read-write: the log only opens files it owns.
 */
export class FilePool {
  /** path → descriptor, least recently used first (a Map iterates in insertion order). */
  private readonly descriptors = new Map<string, number>();
  /** Paths whose descriptor is in use by a running callback, with their nesting depth. */
  private readonly pinned = new Map<string, number>();
  /** How many times a file was opened (a measure of churn when the pool is too small). */
  opens = 0;

  constructor(private max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`a file pool needs at least 1 descriptor, not ${max}`);
  }

  get maxOpen(): number {
    return this.max;
  }

  /** Changes the cap; closes least recently used descriptors down to it. */
  set maxOpen(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`a file pool needs at least 1 descriptor, not ${max}`);
    this.max = max;
    this.evictDownTo(max);
  }

  /** Descriptors currently open. */
  get openCount(): number {
    return this.descriptors.size;
  }

  /** Runs `fn` with a descriptor of `file` (opened now if needed). */
  use<T>(file: string, fn: (fd: number) => T): T {
    let fd = this.descriptors.get(file);
    if (fd === undefined) fd = this.openFile(file);
    else this.descriptors.delete(file);
    this.descriptors.set(file, fd);
    this.pinned.set(file, (this.pinned.get(file) ?? 0) + 1);
    try {
      return fn(fd);
    } finally {
      const depth = (this.pinned.get(file) ?? 1) - 1;
      if (depth === 0) this.pinned.delete(file);
      else this.pinned.set(file, depth);
    }
  }

  private openFile(file: string): number {
    this.evictDownTo(this.max - 1);
    try {
      return this.openCounted(file);
    } catch (err) {
      // Out of descriptors process-wide (sockets, other files): give back half of ours and retry once.
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'EMFILE' && code !== 'ENFILE') || this.descriptors.size === 0) throw err;
      this.evictDownTo(Math.floor(this.descriptors.size / 2));
      return this.openCounted(file);
    }
  }

  private openCounted(file: string): number {
    const fd = fs.openSync(file, 'r+');
    this.opens++;
    return fd;
  }

  private evictDownTo(target: number): void {
    if (this.descriptors.size <= target) return;
    for (const [file, fd] of this.descriptors) {
      if (this.descriptors.size <= target) break;
      if (this.pinned.has(file)) continue;
      this.descriptors.delete(file);
      fs.closeSync(fd);
    }
  }

  /** Closes `file`'s descriptor if open (before the file is renamed or removed). */
  close(file: string): void {
    const fd = this.descriptors.get(file);
    if (fd === undefined) return;
    if (this.pinned.has(file)) throw new Error(`${file} is closed while in use`);
    this.descriptors.delete(file);
    fs.closeSync(fd);
  }

  /** Closes every descriptor. */
  closeAll(): void {
    for (const file of [...this.descriptors.keys()]) this.close(file);
  }
}

/**
 * The pool of logs opened without one (tests, tools, the cleaner's new segments before they join
 * a log): a process-wide pool, since descriptors are a process-wide limit.
 */
export const defaultFilePool = new FilePool(256);
