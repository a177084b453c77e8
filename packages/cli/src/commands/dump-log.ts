/**
 * `gregor dump-log --files F[,F…]`, as kafka-dump-log.sh, reading segment files directly (no
 * broker): a `.log` segment's batch headers (with --deep-iteration or --print-data-log each
 * record, with --print-data-log its key, payload and headers), a `.index` file's (offset,
 * position) entries and a `.timeindex` file's (timestamp, offset) entries. Lines follow Kafka's
 * tool, so scripts written for it keep working. Batches are read with the storage package's
 * scanner and decoded with the protocol package's decoder; a file that cannot be read is
 * reported and the others are still dumped (exit 1 at the end).
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import {
  BatchAttributes,
  batchCrcIsValid,
  CompressionType,
  decodeControlRecordKey,
  decodeEndTxnMarker,
  decodeRecordBatch,
  type DecodedRecord,
  type RecordBatch,
  type RecordBatchHeader,
} from '@gregor/protocol';
import {
  FilePool,
  INDEX_SUFFIX,
  LOG_SUFFIX,
  OffsetIndex,
  parseSegmentFileName,
  scanFileBatches,
  TIME_INDEX_SUFFIX,
  TimeIndex,
  type ScanEnd,
} from '@gregor/storage';
import type { Context } from '../context.js';
import { CliError } from '../errors.js';

export interface DumpLogOptions {
  files: string;
  printDataLog?: boolean;
  deepIteration?: boolean;
}

const CODEC_NAMES: Record<number, string> = {
  [CompressionType.None]: 'none',
  [CompressionType.Gzip]: 'gzip',
  [CompressionType.Snappy]: 'snappy',
  [CompressionType.Lz4]: 'lz4',
  [CompressionType.Zstd]: 'zstd',
};

/** Index files are read whole; the limit only bounds appends, which never happen here. */
const READ_ONLY_INDEX_LIMIT = Number.MAX_SAFE_INTEGER;

const timestampType = (attributes: number) =>
  (attributes & BatchAttributes.TimestampTypeLogAppend) !== 0 ? 'LogAppendTime' : 'CreateTime';

function batchLine(h: RecordBatchHeader, position: number, size: number, valid: boolean): string {
  const lastOffset = h.baseOffset + h.lastOffsetDelta;
  const lastSequence = h.baseSequence < 0 ? -1 : (h.baseSequence + h.lastOffsetDelta) % 2 ** 31;
  const deleteHorizon =
    (h.attributes & BatchAttributes.DeleteHorizonSet) !== 0 ? `OptionalLong[${h.baseTimestamp}]` : 'OptionalLong.empty';
  return [
    `baseOffset: ${h.baseOffset} lastOffset: ${lastOffset} count: ${h.recordCount}`,
    `baseSequence: ${h.baseSequence} lastSequence: ${lastSequence}`,
    `producerId: ${h.producerId} producerEpoch: ${h.producerEpoch}`,
    `partitionLeaderEpoch: ${h.partitionLeaderEpoch}`,
    `isTransactional: ${(h.attributes & BatchAttributes.Transactional) !== 0}`,
    `isControl: ${(h.attributes & BatchAttributes.Control) !== 0}`,
    `deleteHorizonMs: ${deleteHorizon}`,
    `position: ${position} ${timestampType(h.attributes)}: ${h.maxTimestamp}`,
    `size: ${size} magic: ${h.magic}`,
    `compresscodec: ${CODEC_NAMES[h.attributes & BatchAttributes.CompressionMask] ?? 'unknown'}`,
    `crc: ${h.crc} isvalid: ${valid}`,
  ].join(' ');
}

function controlText(record: DecodedRecord): string {
  try {
    const marker = decodeEndTxnMarker(record);
    return ` endTxnMarker: ${marker.type === 1 ? 'COMMIT' : 'ABORT'} coordinatorEpoch: ${marker.coordinatorEpoch}`;
  } catch {
    try {
      return ` controlType: UNKNOWN(${decodeControlRecordKey(record).type})`;
    } catch (e) {
      return ` controlType: unreadable (${(e as Error).message})`;
    }
  }
}

function recordLine(batch: RecordBatch, r: DecodedRecord, printData: boolean): string {
  const sequence = batch.baseSequence < 0 ? -1 : (batch.baseSequence + r.offsetDelta) % 2 ** 31;
  let line =
    `| offset: ${r.offset} ${timestampType(batch.attributes)}: ${r.timestamp}` +
    ` keySize: ${r.key?.length ?? -1} valueSize: ${r.value?.length ?? -1}` +
    ` sequence: ${sequence} headerKeys: [${r.headers.map((h) => h.key).join(',')}]`;
  if (batch.isControl) return line + controlText(r);
  if (!printData) return line;
  // Header values are not in Kafka's line; they come before the payload so it stays last.
  if (r.headers.length > 0)
    line += ` headers: [${r.headers.map((h) => `${h.key}=${h.value === null ? 'null' : h.value.toString('utf8')}`).join(',')}]`;
  if (r.key !== null) line += ` key: ${r.key.toString('utf8')}`;
  if (r.value !== null) line += ` payload: ${r.value.toString('utf8')}`;
  return line;
}

function dumpSegment(ctx: Context, file: string, size: number, o: DumpLogOptions): void {
  const parsed = parseSegmentFileName(basename(file));
  if (parsed) ctx.print(`Log starting offset: ${parsed.baseOffset}`);
  const deep = o.deepIteration === true || o.printDataLog === true;
  const fd = openSync(file, 'r');
  const end: ScanEnd = { validEnd: 0 };
  try {
    const read = (position: number, length: number): Buffer => {
      const buf = Buffer.allocUnsafe(length);
      return buf.subarray(0, readSync(fd, buf, 0, length, position));
    };
    for (const b of scanFileBatches(read, 0, size, { withBytes: true }, end)) {
      const bytes = b.bytes!;
      ctx.print(batchLine(b.header, b.position, b.size, batchCrcIsValid(bytes)));
      if (!deep) continue;
      let batch: RecordBatch;
      try {
        batch = decodeRecordBatch(bytes);
      } catch (e) {
        ctx.warn(
          `${basename(file)}: batch at position ${b.position}: cannot read its records: ${(e as Error).message}`,
        );
        continue;
      }
      for (const r of batch.records) ctx.print(recordLine(batch, r, o.printDataLog === true));
    }
  } finally {
    closeSync(fd);
  }
  if (end.validEnd < size) {
    ctx.print(`Found ${size - end.validEnd} invalid bytes at the end of ${basename(file)}`);
    if (end.problem) ctx.warn(`${basename(file)}: at position ${end.validEnd}: ${end.problem}`);
  }
}

function dumpIndex(ctx: Context, file: string, kind: 'offset' | 'time'): void {
  const parsed = parseSegmentFileName(basename(file));
  if (!parsed) throw new CliError(`${file}: an index is named after its segment's base offset (20 digits)`);
  // The index classes read through a descriptor pool; one file needs one descriptor.
  const files = new FilePool(2);
  try {
    dumpIndexEntries(ctx, file, parsed.baseOffset, kind, files);
  } finally {
    files.closeAll();
  }
}

function dumpIndexEntries(ctx: Context, file: string, baseOffset: number, kind: 'offset' | 'time', files: FilePool) {
  if (kind === 'offset') {
    const index = new OffsetIndex(file, baseOffset, READ_ONLY_INDEX_LIMIT, files);
    for (let slot = 0; slot < index.entries; slot++) {
      const e = index.entryAt(slot);
      ctx.print(`offset: ${e.offset} position: ${e.position}`);
    }
    if (index.tornOnOpen)
      ctx.warn(`${basename(file)}: size is not a multiple of ${OffsetIndex.ENTRY_SIZE}; the tail was skipped`);
  } else {
    const index = new TimeIndex(file, baseOffset, READ_ONLY_INDEX_LIMIT, files);
    for (let slot = 0; slot < index.entries; slot++) {
      const e = index.entryAt(slot);
      ctx.print(`timestamp: ${e.timestamp} offset: ${e.offset}`);
    }
    if (index.tornOnOpen)
      ctx.warn(`${basename(file)}: size is not a multiple of ${TimeIndex.ENTRY_SIZE}; the tail was skipped`);
  }
}

function dumpFile(ctx: Context, file: string, o: DumpLogOptions): void {
  let size: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new CliError(`${file} is not a file`);
    size = stat.size;
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? (e as Error).message)}`);
  }
  if (file.endsWith(LOG_SUFFIX)) {
    ctx.print(`Dumping ${file}`);
    dumpSegment(ctx, file, size, o);
  } else if (file.endsWith(INDEX_SUFFIX)) {
    ctx.print(`Dumping ${file}`);
    dumpIndex(ctx, file, 'offset');
  } else if (file.endsWith(TIME_INDEX_SUFFIX)) {
    ctx.print(`Dumping ${file}`);
    dumpIndex(ctx, file, 'time');
  } else throw new CliError(`${file}: not a .log, .index or .timeindex file`);
}

export function dumpLog(ctx: Context, o: DumpLogOptions): Promise<void> {
  const files = o.files
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  let failed = 0;
  for (const file of files) {
    try {
      dumpFile(ctx, file, o);
    } catch (e) {
      failed++;
      ctx.warn(`gregor: error: ${(e as Error).message}`);
    }
  }
  if (failed > 0) throw new CliError(`${failed} of ${files.length} files could not be dumped`);
  return Promise.resolve();
}
