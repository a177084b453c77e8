import type { FilePool } from './file-pool.js';
import { IndexFile } from './index-file.js';

/**
 * The sparse offset index of one segment, `<baseOffset>.index`.
 *
 * Each 8-byte entry maps an offset to the byte position of the batch holding it:
 *
 *   0  relativeOffset  int32  batch's last offset − segment base offset
 *   4  position        int32  byte position of that batch in the .log file
 *
 * An entry is added before a batch once more than `index.interval.bytes` of log were appended
 * since the previous entry, so the first batch of a segment is never indexed (a lookup below
 * the first entry starts at position 0). Both columns strictly increase, which allows binary
 * search. To find offset T: take the last entry with relativeOffset ≤ T − base, then scan
 * forward from its position for the first batch whose last offset is ≥ T — at most about one
 * index interval of batch headers. Offsets are relative so 4 bytes suffice; a segment whose
 * offsets would overflow int32 is rolled first.
 */
export class OffsetIndex extends IndexFile {
  static readonly ENTRY_SIZE = 8;

  constructor(file: string, baseOffset: number, maxIndexBytes: number, files: FilePool) {
    super(file, baseOffset, OffsetIndex.ENTRY_SIZE, maxIndexBytes, files);
  }

  private relativeAt(slot: number): number {
    return this.loaded().readInt32BE(slot * OffsetIndex.ENTRY_SIZE);
  }

  private positionAt(slot: number): number {
    return this.loaded().readInt32BE(slot * OffsetIndex.ENTRY_SIZE + 4);
  }

  entryAt(slot: number): { offset: number; position: number } {
    return { offset: this.baseOffset + this.relativeAt(slot), position: this.positionAt(slot) };
  }

  lastEntry(): { offset: number; position: number } {
    const bytes = this.lastEntryBytes();
    if (!bytes) return { offset: this.baseOffset, position: 0 };
    return { offset: this.baseOffset + bytes.readInt32BE(0), position: bytes.readInt32BE(4) };
  }

  append(offset: number, position: number): void {
    const last = this.entries === 0 ? undefined : this.lastEntry();
    if (last && (offset <= last.offset || position <= last.position))
      throw new Error(
        `offset index ${this.file}: entry (${offset}, ${position}) does not follow (${last.offset}, ${last.position})`,
      );
    const entry = Buffer.allocUnsafe(OffsetIndex.ENTRY_SIZE);
    entry.writeInt32BE(offset - this.baseOffset, 0);
    entry.writeInt32BE(position, 4);
    this.appendEntry(entry);
  }

  /** The last entry at or below `offset`, or (baseOffset, 0) if there is none. */
  lookup(offset: number): { offset: number; position: number } {
    const slot = this.floorSlot(offset - this.baseOffset, (s) => this.relativeAt(s));
    return slot < 0 ? { offset: this.baseOffset, position: 0 } : this.entryAt(slot);
  }

  /** Removes entries for offsets ≥ `offset`. */
  truncateTo(offset: number): void {
    this.truncateToEntries(this.floorSlot(offset - this.baseOffset - 1, (s) => this.relativeAt(s)) + 1);
  }

  problem(logSize: number): string | undefined {
    if (this.tornOnOpen) return 'size is not a multiple of 8';
    let prevRel = -1;
    let prevPos = -1;
    for (let slot = 0; slot < this.entries; slot++) {
      const rel = this.relativeAt(slot);
      const pos = this.positionAt(slot);
      if (rel <= prevRel || pos <= prevPos) return `entry ${slot} (${rel}, ${pos}) is not increasing`;
      if (pos >= logSize) return `entry ${slot} points at ${pos}, past the log's ${logSize} bytes`;
      prevRel = rel;
      prevPos = pos;
    }
    return undefined;
  }
}
