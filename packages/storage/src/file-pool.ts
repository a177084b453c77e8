import fs from 'node:fs';
import { promisify } from 'node:util';

/**
 * The open file descriptors of a data directory's segment files (`.log`, `.index`, `.timeindex`),
 * at most `maxOpen` at once. Files are opened on first use and kept open while they are used;
 * when the pool is full the least recently used one is closed, and reopened if it is needed
 * again. So a broker with thousands of partitions holds a bounded number of descriptors instead
 * of several per segment (Kafka keeps them all open and asks for a very high `ulimit -n`).
 *
 * Descriptors are handed out for the duration of a synchronous callback (`use`) or as a lease
 * (`acquire`, for the asynchronous fsyncs and reads): a descriptor in use is never closed under
 * its user. Closing or evicting it only retires it, and its last user closes it, so its number
 * cannot be reused for another file while an fsync or read on the thread pool still works on it.
 * A callback may itself use the pool (nested files stay pinned until it returns).
 *
 * Everything is opened read-write: the log only opens files it owns.
 */
export class FilePool {
  /** path → descriptor, least recently used first (a Map iterates in insertion order). */
  private readonly descriptors = new Map<string, number>();
  /** Descriptors in use (a running callback or a lease), with how many users each has. */
  private readonly pins = new Map<number, number>();
  /**
   * Descriptors closed (or evicted) while in use: closed by the last user, so their number cannot
   * be handed to another file while an asynchronous fsync or read still works on it.
   */
  private readonly retired = new Set<number>();
  /** How many times a file was opened (a measure of churn when the pool is too small). */
  opens = 0;
  private syncsRunning = 0;
  private readonly syncQueue: (() => void)[] = [];

  constructor(
    private max: number,
    /** fsyncs run at once on libuv's thread pool (4 threads by default): the rest wait, so reads keep threads. */
    private readonly maxConcurrentSyncs = 2,
  ) {
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

  /** Descriptors currently open (including closed ones an asynchronous operation still holds). */
  get openCount(): number {
    return this.descriptors.size + this.retired.size;
  }

  /** Runs `fn` with a descriptor of `file` (opened now if needed). */
  use<T>(file: string, fn: (fd: number) => T): T {
    const fd = this.take(file);
    try {
      return fn(fd);
    } finally {
      this.unpin(fd);
    }
  }

  /**
   * A descriptor of `file` held across awaits until `release()`: closing or evicting the file
   * meanwhile only retires the descriptor, which the release then closes.
   */
  acquire(file: string): FileLease {
    const fd = this.take(file);
    let released = false;
    return {
      fd,
      release: () => {
        if (released) return;
        released = true;
        this.unpin(fd);
      },
    };
  }

  /**
   * fdatasync of `file` on the thread pool (the event loop keeps running), with at most
   * `maxConcurrentSyncs` at once. A file removed before its turn has nothing left to sync. `file`
   * may be a getter, read when the turn comes (the cleaner renames a segment's files): undefined
   * then means there is nothing to sync any more (its owner was closed).
   */
  async sync(file: string | (() => string | undefined)): Promise<void> {
    if (this.syncsRunning >= this.maxConcurrentSyncs)
      await new Promise<void>((resolve) => this.syncQueue.push(resolve));
    this.syncsRunning++;
    try {
      const path = typeof file === 'string' ? file : file();
      if (path === undefined) return;
      let lease: FileLease;
      try {
        lease = this.acquire(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      try {
        await fdatasync(lease.fd);
      } finally {
        lease.release();
      }
    } finally {
      this.syncsRunning--;
      this.syncQueue.shift()?.();
    }
  }

  /** Up to `length` bytes of `file` from `position`, read on the thread pool (short at end of file). */
  async read(file: string, position: number, length: number): Promise<Buffer> {
    const lease = this.acquire(file);
    try {
      const buf = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const bytesRead = await readFd(lease.fd, buf, done, length - done, position + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === length ? buf : buf.subarray(0, done);
    } finally {
      lease.release();
    }
  }

  /** Pins a descriptor of `file`, opening it if needed, and marks it most recently used. */
  private take(file: string): number {
    let fd = this.descriptors.get(file);
    if (fd === undefined) fd = this.openFile(file);
    else this.descriptors.delete(file);
    this.descriptors.set(file, fd);
    this.pins.set(fd, (this.pins.get(fd) ?? 0) + 1);
    return fd;
  }

  private unpin(fd: number): void {
    const users = (this.pins.get(fd) ?? 1) - 1;
    if (users > 0) {
      this.pins.set(fd, users);
      return;
    }
    this.pins.delete(fd);
    if (this.retired.delete(fd)) fs.closeSync(fd);
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
      if (this.pins.has(fd)) continue;
      this.descriptors.delete(file);
      fs.closeSync(fd);
    }
  }

  /**
   * Closes `file`'s descriptor if open (before the file is renamed or removed). One still in use
   * is closed by its last user; the next use of `file` opens a new descriptor.
   */
  close(file: string): void {
    const fd = this.descriptors.get(file);
    if (fd === undefined) return;
    this.descriptors.delete(file);
    if (this.pins.has(fd)) this.retired.add(fd);
    else fs.closeSync(fd);
  }

  /** Closes every descriptor (ones in use when their users finish). */
  closeAll(): void {
    for (const file of [...this.descriptors.keys()]) this.close(file);
  }
}

/** A descriptor lent across awaits (see FilePool.acquire). */
export interface FileLease {
  readonly fd: number;
  release(): void;
}

const fdatasync = promisify(fs.fdatasync);

function readFd(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    fs.read(fd, buf, offset, length, position, (err, bytesRead) => (err ? reject(err) : resolve(bytesRead))),
  );
}

/**
 * The pool of logs opened without one (tests, tools, the cleaner's new segments before they join
 * a log): a process-wide pool, since descriptors are a process-wide limit.
 */
export const defaultFilePool = new FilePool(256);
