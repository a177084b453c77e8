import { readInt64AsNumber, writeInt64FromNumber } from '@gregor/protocol';
import type { FilePool } from './file-pool.js';
import { IndexFile } from './index-file.js';

/**
 * The sparse time index of one segment, `<baseOffset>.timeindex`.
 *
 * Each 12-byte entry records the largest timestamp seen so far in the segment and the offset
 * of the batch that carried it:
 *
 *   0  timestamp       int64  max batch timestamp up to this point (ms)
 *   8  relativeOffset  int32  last offset of that batch − segment base offset
 *
 * Entries are written alongside offset-index entries, only when the timestamp grew, so both
 * columns are monotonic even when producers send out-of-order timestamps. To find the first
 * batch with maxTimestamp ≥ T: take the last entry with timestamp ≤ T (every batch before its
 * offset is older than T, because the entry names the first batch that reached its
 * timestamp), locate that offset via the offset index, and scan batches from there. When a segment stops being active, a final entry
 * with its overall max timestamp is appended, so time retention and the MAX_TIMESTAMP lookup
 * read one entry instead of scanning the segment.
 */
export class TimeIndex extends IndexFile {
  static readonly ENTRY_SIZE = 12;

  constructor(file: string, baseOffset: number, maxIndexBytes: number, files: FilePool) {
    super(file, baseOffset, TimeIndex.ENTRY_SIZE, maxIndexBytes, files);
  }

  private timestampAt(slot: number): number {
    return readInt64AsNumber(this.loaded(), slot * TimeIndex.ENTRY_SIZE);
  }

  private relativeAt(slot: number): number {
    return this.loaded().readInt32BE(slot * TimeIndex.ENTRY_SIZE + 8);
  }

  entryAt(slot: number): { timestamp: number; offset: number } {
    return { timestamp: this.timestampAt(slot), offset: this.baseOffset + this.relativeAt(slot) };
  }

  /** The newest entry, or (-1, baseOffset) when empty, as Kafka reports an empty time index. */
  lastEntry(): { timestamp: number; offset: number } {
    const bytes = this.lastEntryBytes();
    if (!bytes) return { timestamp: -1, offset: this.baseOffset };
    return { timestamp: readInt64AsNumber(bytes, 0), offset: this.baseOffset + bytes.readInt32BE(8) };
  }

  /**
   * Adds (timestamp, offset) if the timestamp is larger than the last entry's. `force` skips
   * the fullness check, for the final entry written when the segment is rolled.
   */
  maybeAppend(timestamp: number, offset: number, force = false): void {
    if (this.isFull && !force) return;
    const last = this.lastEntry();
    if (this.entries > 0 && timestamp <= last.timestamp) return;
    if (this.entries > 0 && offset < last.offset)
      throw new Error(`time index ${this.file}: offset ${offset} goes back from ${last.offset}`);
    const entry = Buffer.allocUnsafe(TimeIndex.ENTRY_SIZE);
    writeInt64FromNumber(entry, 0, timestamp);
    entry.writeInt32BE(offset - this.baseOffset, 8);
    this.appendEntry(entry);
  }

  /** The last entry with timestamp ≤ `timestamp`, or (-1, baseOffset) if there is none. */
  lookup(timestamp: number): { timestamp: number; offset: number } {
    const slot = this.floorSlot(timestamp, (s) => this.timestampAt(s));
    return slot < 0 ? { timestamp: -1, offset: this.baseOffset } : this.entryAt(slot);
  }

  /** Removes entries for offsets ≥ `offset`. */
  truncateTo(offset: number): void {
    let keep = this.entries;
    while (keep > 0 && this.entryAt(keep - 1).offset >= offset) keep--;
    this.truncateToEntries(keep);
  }

  problem(): string | undefined {
    if (this.tornOnOpen) return 'size is not a multiple of 12';
    let prev = { timestamp: -Infinity, offset: this.baseOffset };
    for (let slot = 0; slot < this.entries; slot++) {
      const entry = this.entryAt(slot);
      if (entry.timestamp <= prev.timestamp || entry.offset < prev.offset)
        return `entry ${slot} (${entry.timestamp}, ${entry.offset}) is not increasing`;
      prev = entry;
    }
    return undefined;
  }
}
