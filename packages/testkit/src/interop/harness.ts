/**
 * Shared by the interop tests (third-party clients against a real broker): finding the tools,
 * running them as child processes without blocking the in-process broker, the records every
 * client produces (the same formula as common.py), and the checks made on what comes back.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiKey, BatchAttributes, readBatchHeader } from '@gregor/protocol';
import type { TestBroker } from '@gregor/broker/testing';

/** The Python scripts sit beside this file's source (src/interop), whether it runs from src or dist. */
export const INTEROP_DIR = join(fileURLToPath(new URL('../..', import.meta.url)), 'src', 'interop');
export const PARTITIONS = 3;
/** Distinct keys; records go to partitions by key, so every partition gets some. */
export const KEYS = 37;
export const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type Codec = (typeof CODECS)[number];
export const CODEC_ID: Record<Codec, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };
const PADDING = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(2);

/**
 * The codec librdkafka (2.0) really writes when asked for `codec`: it decides from ApiVersions
 * what a broker can take, and sends lz4 uncompressed unless FindCoordinator v0 is listed (its
 * proxy for "Kafka 0.9 or later"), which this broker serves only once consumer groups exist.
 */
export function librdkafkaStoredCodec(broker: TestBroker, codec: Codec): number {
  const findCoordinatorV0 = broker.broker
    .apiVersions()
    .some((k) => k.apiKey === ApiKey.FindCoordinator && k.minVersion === 0);
  return codec === 'lz4' && !findCoordinatorV0 ? CODEC_ID.none : CODEC_ID[codec];
}

/** Record i as every client produces it (common.py's record()). */
export function recordFor(i: number): { key: string; value: string; seq: number } {
  const key = `key-${i % KEYS}`;
  const seq = Math.floor(i / KEYS);
  return { key, seq, value: `${i}|${key}|${seq}|${PADDING.slice(0, 10 + (i % 60))}` };
}

/**
 * A Python 3 that can import `module`. Debian's python3-* packages live in /usr/bin/python3's
 * dist-packages, which another python3 earlier on PATH (pyenv, a venv) does not see, so that
 * one is tried first. GREGOR_PYTHON overrides.
 */
export function findPython(module: string): { python?: string; skip?: string } {
  const candidates = process.env.GREGOR_PYTHON
    ? [process.env.GREGOR_PYTHON]
    : ['/usr/bin/python3', 'python3'].filter((p) => !p.startsWith('/') || existsSync(p));
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', `import ${module}`], { encoding: 'utf8', timeout: 20_000 });
    if (r.status === 0) return { python };
  }
  return { skip: `python3 module ${module} is not installed (.ci/run installs it with apt-get)` };
}

/** Why a command-line tool cannot be used, or undefined when `cmd args` runs. */
export function toolMissing(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
  return r.status === 0 ? undefined : `${cmd} is not installed (.ci/run installs it with apt-get)`;
}

export interface ChildResult {
  code: number | string;
  stdout: string;
  stderr: string;
}

/** Runs a child process asynchronously (the broker shares this event loop), killing it at the deadline. */
export function run(cmd: string, args: string[], options: { input?: string; timeoutMs?: number } = {}) {
  return new Promise<ChildResult>((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? signal ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.on('error', () => {}); // the child may exit before reading everything
    child.stdin.end(options.input ?? '');
  });
}

/** One record as a client consumed it. */
export interface Consumed {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: [string, string | null][];
  timestamp: number;
  /** The client's own notation (confluent-kafka 1 = create time, kafka-python 0, kcat "create"). */
  timestampType: number | string;
}

export interface RoundTripExpectation {
  topic: string;
  count: number;
  /** Headers record i must carry, in order. */
  headers: (i: number) => [string, string][];
  /** Wall-clock time before producing started; timestamps must fall after it (less slack). */
  since: number;
  /** The value the client reports for CreateTime. */
  createTime: number | string;
}

/**
 * Everything checked about one topic's round trip; returns the problems found (at most a few of
 * each kind), so an assertion on an empty list shows what went wrong.
 */
export function checkRoundTrip(records: Consumed[], e: RoundTripExpectation): string[] {
  const problems: string[] = [];
  const note = (p: string): void => {
    if (problems.length < 30) problems.push(p);
  };
  const mine = records.filter((r) => r.topic === e.topic);
  if (mine.length !== e.count) note(`${e.topic}: consumed ${mine.length} records, produced ${e.count}`);
  const seen = new Map<number, Consumed>();
  const lastOffset = new Map<number, number>();
  const partitionOfKey = new Map<string, number>();
  const lastSeqOfKey = new Map<string, number>();
  const now = Date.now();
  for (const r of mine) {
    const where = `${e.topic}[${r.partition}]@${r.offset}`;
    if (r.partition < 0 || r.partition >= PARTITIONS) note(`${where}: partition out of range`);
    // Offsets in a partition: contiguous from 0 (no compaction, no control records here).
    const expectedOffset = (lastOffset.get(r.partition) ?? -1) + 1;
    if (r.offset !== expectedOffset) note(`${where}: offset follows ${expectedOffset - 1}, expected ${expectedOffset}`);
    lastOffset.set(r.partition, r.offset);
    const i = Number((r.value ?? '').split('|')[0]);
    if (!Number.isInteger(i) || i < 0 || i >= e.count) {
      note(`${where}: unexpected value ${JSON.stringify(r.value)}`);
      continue;
    }
    if (seen.has(i)) note(`${where}: record ${i} is a duplicate of offset ${seen.get(i)!.offset}`);
    seen.set(i, r);
    const want = recordFor(i);
    if (r.value !== want.value) note(`${where}: value ${JSON.stringify(r.value)}, expected ${want.value}`);
    if (r.key !== want.key) note(`${where}: key ${JSON.stringify(r.key)}, expected ${want.key}`);
    const headers = e.headers(i);
    if (JSON.stringify(r.headers) !== JSON.stringify(headers))
      note(`${where}: headers ${JSON.stringify(r.headers)}, expected ${JSON.stringify(headers)}`);
    // Per key: one partition, and the key's records in the order they were produced, none missing.
    const keyPartition = partitionOfKey.get(want.key) ?? r.partition;
    if (keyPartition !== r.partition) note(`${where}: key ${want.key} also in partition ${keyPartition}`);
    partitionOfKey.set(want.key, r.partition);
    const expectedSeq = (lastSeqOfKey.get(want.key) ?? -1) + 1;
    if (want.seq !== expectedSeq) note(`${where}: ${want.key} record #${want.seq} follows #${expectedSeq - 1}`);
    lastSeqOfKey.set(want.key, want.seq);
    if (r.timestampType !== e.createTime) note(`${where}: timestamp type ${r.timestampType}`);
    if (!(r.timestamp >= e.since - 60_000 && r.timestamp <= now + 60_000))
      note(`${where}: timestamp ${r.timestamp} is not around the produce time ${e.since}`);
  }
  for (let i = 0; i < e.count && problems.length < 30; i++) if (!seen.has(i)) note(`${e.topic}: record ${i} missing`);
  for (let p = 0; p < PARTITIONS; p++) if (!lastOffset.has(p)) note(`${e.topic}[${p}]: no records`);
  return problems;
}

export interface StoredBatch {
  partition: number;
  baseOffset: number;
  compression: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

/** The batch headers as the broker stored them, for every partition of `topic`. */
export function storedBatches(broker: TestBroker, topic: string): StoredBatch[] {
  const batches: StoredBatch[] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    const partition = broker.broker.replicas.partition(topic, p);
    if (!partition) throw new Error(`no partition ${topic}[${p}]`);
    let offset = partition.log.logStartOffset;
    while (offset < partition.log.logEndOffset) {
      const read = partition.log.read(offset, 16 * 1024 * 1024, { minOneBatch: true });
      if (read.records.length === 0) break;
      for (let at = 0; at + 61 <= read.records.length;) {
        const h = readBatchHeader(read.records, at);
        batches.push({
          partition: p,
          baseOffset: h.baseOffset,
          compression: h.attributes & BatchAttributes.CompressionMask,
          producerId: h.producerId,
          producerEpoch: h.producerEpoch,
          baseSequence: h.baseSequence,
          recordCount: h.recordCount,
        });
        at += 12 + h.batchLength;
      }
      offset = read.nextOffset;
    }
  }
  return batches;
}

/**
 * Checks that the broker stored what the client compressed: every batch in `codec` (a CODEC_ID)
 * or uncompressed, and most records compressed. Clients may send a batch uncompressed when
 * compressing does not make it smaller (librdkafka does, for a batch of one or two records).
 */
export function checkStoredCompression(batches: StoredBatch[], codec: number): string[] {
  const problems: string[] = [];
  const other = batches.filter((b) => b.compression !== codec && b.compression !== CODEC_ID.none);
  if (other.length > 0) problems.push(`batches with compression ${[...new Set(other.map((b) => b.compression))]}`);
  const total = batches.reduce((n, b) => n + b.recordCount, 0);
  const compressed = batches.filter((b) => b.compression === codec).reduce((n, b) => n + b.recordCount, 0);
  if (compressed * 2 < total) problems.push(`only ${compressed} of ${total} records stored with compression ${codec}`);
  return problems;
}

/**
 * Checks the stored batches of an idempotent producer: a producer id on every batch, one epoch,
 * and per partition sequences that continue exactly where the previous batch ended.
 */
export function checkIdempotentBatches(batches: StoredBatch[]): string[] {
  const problems: string[] = [];
  const next = new Map<number, number>();
  const ids = new Set(batches.map((b) => `${b.producerId}/${b.producerEpoch}`));
  if (ids.size !== 1) problems.push(`producer id/epoch on batches: ${[...ids].join(', ')}`);
  for (const b of batches) {
    if (b.producerId < 0) problems.push(`batch at ${b.partition}@${b.baseOffset} has no producer id`);
    const want = next.get(b.partition) ?? 0;
    if (b.baseSequence !== want)
      problems.push(`batch at ${b.partition}@${b.baseOffset}: sequence ${b.baseSequence}, expected ${want}`);
    next.set(b.partition, b.baseSequence + b.recordCount);
  }
  return problems.slice(0, 30);
}

/** Parses a script's JSON-lines output (see common.py). */
export function parseScriptOutput(stdout: string): {
  client: Record<string, unknown>;
  runs: Map<string, { topic: string; stats: Record<string, unknown> }>;
  done: Map<string, Record<string, unknown>>;
  records: Consumed[];
} {
  let client: Record<string, unknown> = {};
  const runs = new Map<string, { topic: string; stats: Record<string, unknown> }>();
  const done = new Map<string, Record<string, unknown>>();
  const records: Consumed[] = [];
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const row = JSON.parse(line) as unknown[];
    if (row[0] === 'rec') {
      const [, topic, partition, offset, key, value, headers, timestamp, timestampType] = row as [
        string,
        string,
        number,
        number,
        string | null,
        string | null,
        [string, string | null][],
        number,
        number,
      ];
      records.push({ topic, partition, offset, key, value, headers, timestamp, timestampType });
    } else if (row[0] === 'run')
      runs.set(row[1] as string, { topic: row[2] as string, stats: row[3] as Record<string, unknown> });
    else if (row[0] === 'done') done.set(row[1] as string, row[2] as Record<string, unknown>);
    else if (row[0] === 'client') client = row[1] as Record<string, unknown>;
  }
  return { client, runs, done, records };
}

export const scriptPath = (name: string): string => join(INTEROP_DIR, name);
