import fs from 'node:fs';
import type { FilePool } from './file-pool.js';
import { readAt, writeAt } from './record-batches.js';

/**
 * The shared machinery of the two sparse segment indexes: a file of fixed-size big-endian
 * entries, written at its real size (no preallocation, so the entry count is the file size
 * divided by the entry size and no trailing zeros need interpreting after a crash).
 *
 * Entries are loaded lazily on first lookup and kept in memory, so opening a log with many
 * segments reads no index bytes until a fetch needs them. Descriptors come from the data
 * directory's FilePool, which bounds how many are open at once.
 *
 * Appended entries reach the file in batches (every WRITE_BATCH entries, and on flush, close
 * and truncation) rather than with one tiny write per entry, much as Kafka's mmapped indexes
 * reach the disk lazily. Entries lost in a crash are harmless: the index is sparse, and the
 * segments after the recovery point are re-indexed by recovery anyway.
 */
const WRITE_BATCH = 128;

export abstract class IndexFile {
  /** Loaded entries; capacity may exceed `count * entrySize` to make appends amortised O(1). */
  private data: Buffer | undefined;
  private count: number;
  /** Entries already written to the file; the rest are only in `data`. */
  private persisted: number;
  /** Written or truncated since the last fsync. */
  private dirty = false;
  /** True when the file's size is not a whole number of entries (a torn write). */
  readonly tornOnOpen: boolean;

  protected constructor(
    public file: string,
    readonly baseOffset: number,
    readonly entrySize: number,
    maxIndexBytes: number,
    private files: FilePool,
  ) {
    this.maxEntries = Math.max(1, Math.floor(maxIndexBytes / entrySize));
    let size = 0;
    try {
      size = fs.statSync(file).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      fs.writeFileSync(file, Buffer.alloc(0));
    }
    this.tornOnOpen = size % entrySize !== 0;
    this.count = Math.floor(size / entrySize);
    this.persisted = this.count;
  }

  readonly maxEntries: number;

  get entries(): number {
    return this.count;
  }

  get isFull(): boolean {
    return this.count >= this.maxEntries;
  }

  get sizeInBytes(): number {
    return this.count * this.entrySize;
  }

  /** The entry bytes, loading them from the file the first time. */
  protected loaded(): Buffer {
    if (!this.data) {
      const bytes = this.files.use(this.file, (fd) => readAt(fd, 0, this.count * this.entrySize));
      this.count = Math.floor(bytes.length / this.entrySize);
      this.data = bytes;
    }
    return this.data;
  }

  /** The last entry without loading the others (a segment's summary needs only that). */
  protected lastEntryBytes(): Buffer | undefined {
    if (this.count === 0) return undefined;
    const at = (this.count - 1) * this.entrySize;
    if (this.data) return this.data.subarray(at, at + this.entrySize);
    const bytes = this.files.use(this.file, (fd) => readAt(fd, at, this.entrySize));
    return bytes.length === this.entrySize ? bytes : undefined;
  }

  get isLoaded(): boolean {
    return this.data !== undefined;
  }

  protected appendEntry(entry: Buffer): void {
    const data = this.loaded();
    const at = this.count * this.entrySize;
    if (data.length < at + this.entrySize) {
      const grown = Buffer.allocUnsafe(Math.max(64 * this.entrySize, data.length * 2));
      data.copy(grown, 0, 0, at);
      this.data = grown;
    }
    entry.copy(this.data as Buffer, at);
    this.count++;
    if (this.count - this.persisted >= WRITE_BATCH) this.writePending();
  }

  /** Writes entries that are only in memory to the file. */
  writePending(): void {
    if (this.persisted >= this.count || !this.data) return;
    const from = this.persisted * this.entrySize;
    const pending = this.data.subarray(from, this.count * this.entrySize);
    this.files.use(this.file, (fd) => writeAt(fd, pending, from));
    this.persisted = this.count;
    this.dirty = true;
  }

  /** Keeps the first `n` entries. */
  protected truncateToEntries(n: number): void {
    if (n >= this.count) return;
    this.loaded();
    this.count = n;
    if (n < this.persisted) {
      this.persisted = n;
      this.truncateFile(n * this.entrySize);
    }
  }

  /** Index of the last entry whose key (from `keyAt`) is <= target, or -1. Binary search. */
  protected floorSlot(target: number, keyAt: (slot: number) => number): number {
    this.loaded();
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (keyAt(mid) <= target) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** Drops every entry (before a rebuild). */
  reset(): void {
    this.data = Buffer.alloc(0);
    this.count = 0;
    this.persisted = 0;
    this.truncateFile(0);
  }

  private truncateFile(size: number): void {
    this.files.use(this.file, (fd) => fs.ftruncateSync(fd, size));
    this.dirty = true;
  }

  /** Writes pending entries and fsyncs them (when anything changed since the last flush). */
  flush(): void {
    this.writePending();
    if (!this.dirty) return;
    this.files.use(this.file, (fd) => fs.fsyncSync(fd));
    this.dirty = false;
  }

  /**
   * flush() with the fsync on the thread pool (pending entries are written before it returns);
   * skipped if `wanted()` says no when its turn comes.
   */
  async flushAsync(wanted: () => boolean): Promise<void> {
    this.writePending();
    if (!this.dirty) return;
    this.dirty = false;
    try {
      await this.files.sync(() => (wanted() ? this.file : undefined));
    } catch (err) {
      this.dirty = true;
      throw err;
    }
  }

  /** Writes pending entries and releases the descriptor (entries stay in memory). */
  close(): void {
    this.writePending();
    this.files.close(this.file);
  }

  /** Releases the descriptor and takes later ones from `files`. */
  switchPool(files: FilePool): void {
    this.close();
    this.files = files;
  }

  renameTo(file: string): void {
    this.close();
    fs.renameSync(this.file, file);
    this.file = file;
  }

  delete(): void {
    this.persisted = this.count;
    this.close();
    fs.rmSync(this.file, { force: true });
  }

  /** Why the entries cannot be trusted for a log of `logSize` bytes, or undefined if sane. */
  abstract problem(logSize: number): string | undefined;
}
