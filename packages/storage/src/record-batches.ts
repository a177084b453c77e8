import fs from 'node:fs';
import { BatchHeader, batchCrcIsValid, readBatchHeader, type RecordBatchHeader } from '@gregor/protocol';

/**
 * Shallow access to v2 record batches, in memory and in segment files. The log never decodes
 * records on its hot paths: everything it needs (offsets, timestamps, sizes, epochs) is in the
 * fixed 61-byte batch header.
 */

/** The smallest legal `batchLength`: a header with no records. */
export const MIN_BATCH_LENGTH = BatchHeader.Size - BatchHeader.LogOverhead;

export interface BatchLocation {
  /** Byte position of the batch in its buffer or file. */
  position: number;
  /** Whole batch size, LogOverhead included. */
  size: number;
  header: RecordBatchHeader;
}

export function lastOffsetOf(header: RecordBatchHeader): number {
  return header.baseOffset + header.lastOffsetDelta;
}

/**
 * Why the bytes at `position` are not a whole, valid batch, or undefined if they are. With
 * `checkCrc` false only the framing is checked (cheap), which is enough to find batch
 * boundaries in bytes the log wrote itself.
 */
export function batchProblem(buf: Buffer, position: number, checkCrc: boolean): string | undefined {
  const left = buf.length - position;
  if (left < BatchHeader.LogOverhead) return `${left} trailing bytes, less than a batch's length prefix`;
  const batchLength = buf.readInt32BE(position + BatchHeader.BatchLength);
  if (batchLength < MIN_BATCH_LENGTH) return `batch length ${batchLength} is below the minimum ${MIN_BATCH_LENGTH}`;
  const size = batchLength + BatchHeader.LogOverhead;
  if (size > left) return `batch of ${size} bytes overruns the ${left} bytes available`;
  const magic = buf.readInt8(position + BatchHeader.Magic);
  if (magic !== 2) return `unsupported magic ${magic} (only v2 record batches are accepted)`;
  if (buf.readInt32BE(position + BatchHeader.LastOffsetDelta) < 0) return 'negative lastOffsetDelta';
  if (buf.readInt32BE(position + BatchHeader.RecordCount) < 0) return 'negative record count';
  if (checkCrc && !batchCrcIsValid(buf.subarray(position, position + size))) return 'CRC mismatch';
  return undefined;
}

export interface FileBatch extends BatchLocation {
  /** The batch bytes, only when scanning `withBytes`; valid until the next iteration. */
  bytes?: Buffer;
}

export interface ScanOptions {
  /** Read whole batches (for CRC checks or copying) rather than just their headers. */
  withBytes?: boolean;
  /** Check each batch's CRC (implies reading whole batches). */
  checkCrc?: boolean;
  /** Read granularity; larger wastes bytes when only headers are needed. */
  chunkSize?: number;
}

export interface ScanEnd {
  /** Where the last valid batch ended: the file's valid length from the scan's start. */
  validEnd: number;
  /** Why scanning stopped before `end`, if it did. */
  problem?: string;
}

/** Reads up to `length` bytes of a file at `position` (fewer at its end). */
export type FileReader = (position: number, length: number) => Buffer;

/**
 * Iterates the batches of a file in [start, end), read through `read`. Stops at the first invalid batch; `result`
 * (filled when the iteration completes) tells where valid data ends and why.
 */
export function* scanFileBatches(
  read: FileReader,
  start: number,
  end: number,
  options: ScanOptions = {},
  result: ScanEnd = { validEnd: start },
): Generator<FileBatch> {
  const checkCrc = options.checkCrc ?? false;
  const withBytes = (options.withBytes ?? false) || checkCrc;
  const chunkSize = options.chunkSize ?? (withBytes ? 1024 * 1024 : 64 * 1024);
  let chunk: Buffer = Buffer.alloc(0);
  let chunkStart = start;
  let position = start;
  result.validEnd = start;
  while (position < end) {
    // Make sure the chunk holds this batch's header, and the whole batch when bytes are wanted.
    let offsetInChunk = position - chunkStart;
    if (chunk.length - offsetInChunk < BatchHeader.Size) {
      chunk = read(position, Math.min(Math.max(chunkSize, BatchHeader.Size), end - position));
      chunkStart = position;
      offsetInChunk = 0;
    }
    if (chunk.length - offsetInChunk < BatchHeader.Size) {
      result.problem = `${end - position} trailing bytes, less than a batch header`;
      return;
    }
    const size = chunk.readInt32BE(offsetInChunk + BatchHeader.BatchLength) + BatchHeader.LogOverhead;
    if (withBytes && size > chunk.length - offsetInChunk && size <= end - position && size > 0) {
      chunk = read(position, Math.min(Math.max(chunkSize, size), end - position));
      chunkStart = position;
      offsetInChunk = 0;
    }
    // Framing checks need the whole batch in view; for header-only scans, fake the extent.
    const view = withBytes ? chunk : chunk.subarray(0, Math.min(chunk.length, offsetInChunk + BatchHeader.Size));
    const problem = withBytes ? batchProblem(view, offsetInChunk, checkCrc) : headerProblem(view, offsetInChunk);
    if (problem === undefined && !withBytes && position + size > end)
      result.problem = `batch of ${size} bytes overruns the ${end - position} bytes available`;
    else if (problem !== undefined) result.problem = problem;
    if (result.problem !== undefined) return;
    const header = readBatchHeader(chunk, offsetInChunk);
    const batch: FileBatch = { position, size, header };
    if (withBytes) batch.bytes = chunk.subarray(offsetInChunk, offsetInChunk + size);
    yield batch;
    position += size;
    result.validEnd = position;
  }
}

/** Framing checks that only need the header (the batch's extent is checked by the caller). */
function headerProblem(buf: Buffer, position: number): string | undefined {
  const batchLength = buf.readInt32BE(position + BatchHeader.BatchLength);
  if (batchLength < MIN_BATCH_LENGTH) return `batch length ${batchLength} is below the minimum ${MIN_BATCH_LENGTH}`;
  const magic = buf.readInt8(position + BatchHeader.Magic);
  if (magic !== 2) return `unsupported magic ${magic}`;
  if (buf.readInt32BE(position + BatchHeader.LastOffsetDelta) < 0) return 'negative lastOffsetDelta';
  return undefined;
}

/** Reads up to `length` bytes at `position` (fewer at end of file). */
export function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? buf : buf.subarray(0, done);
}

/** Writes all of `buf` at `position`. */
export function writeAt(fd: number, buf: Buffer, position: number): void {
  let done = 0;
  while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done, position + done);
}
