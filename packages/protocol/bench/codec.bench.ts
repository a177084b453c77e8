/**
 * Codec benchmark (`npm run bench:protocol`): encode and decode of Produce requests and Fetch
 * responses carrying 1 MiB of records, the int64-heavy Fetch request and response with int64 as
 * bigint (the committed codec) and as number (generated on the fly for comparison), and CRC32C.
 */
import { crc32c } from '@node-rs/crc32';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as bigintCodec from '../src/generated/index.js';
import { Reader } from '../src/primitives/reader.js';
import { Writer } from '../src/primitives/writer.js';
import { bench, printTable, type BenchResult } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const MiB = 1024 * 1024;
const PARTITIONS = 16;
const recordsPerPartition = Buffer.alloc(MiB / PARTITIONS, 0x61);

type Codec = typeof bigintCodec;

/** Generates the codec with int64 as number into a scratch folder and loads it. */
async function loadNumberCodec(): Promise<Codec | undefined> {
  const out = resolve(here, '../src/.bench-generated-number');
  const specs = resolve(here, '../../../../shared/kafka-protocol');
  if (!existsSync(join(specs, 'message'))) return undefined;
  execFileSync(
    process.execPath,
    ['--import', 'tsx', resolve(here, '../scripts/generate.ts'), '--int64', 'number', '--out', out],
    {
      stdio: 'ignore',
    },
  );
  return (await import(join(out, 'index.ts'))) as Codec;
}

function produceRequest() {
  return {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30000,
    topicData: [
      {
        name: 'bench',
        partitionData: Array.from({ length: PARTITIONS }, (_, index) => ({ index, records: recordsPerPartition })),
      },
    ],
  };
}

function fetchResponse(int64: (n: number) => bigint | number, withRecords: boolean, partitions: number) {
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: [
      {
        topic: 'bench',
        partitions: Array.from({ length: partitions }, (_, partitionIndex) => ({
          partitionIndex,
          errorCode: 0,
          highWatermark: int64(1_000_000 + partitionIndex),
          lastStableOffset: int64(1_000_000 + partitionIndex),
          logStartOffset: int64(partitionIndex),
          abortedTransactions: [],
          preferredReadReplica: -1,
          records: withRecords ? recordsPerPartition : null,
        })),
      },
    ],
  };
}

function fetchRequest(int64: (n: number) => bigint | number, partitions: number) {
  return {
    maxWaitMs: 500,
    minBytes: 1,
    maxBytes: 52428800,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic: 'bench',
        partitions: Array.from({ length: partitions }, (_, partition) => ({
          partition,
          currentLeaderEpoch: 0,
          fetchOffset: int64(123_456_789 + partition),
          lastFetchedEpoch: -1,
          logStartOffset: int64(-1),
          partitionMaxBytes: MiB,
        })),
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  };
}

const encodeWith = (write: (w: Writer, v: number, x: never) => void, version: number, value: unknown) => () => {
  const w = new Writer(1024);
  write(w, version, value as never);
  return w.toChunks();
};
const bytesOf = (write: (w: Writer, v: number, x: never) => void, version: number, value: unknown): Buffer => {
  const w = new Writer(1024);
  write(w, version, value as never);
  return w.toBuffer();
};

export async function benchCodec(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const c = bigintCodec;
  const produce = produceRequest();
  const produceBytes = bytesOf(c.writeProduceRequest, 9, produce);
  results.push(bench('Produce v9 request encode, 1 MiB records', encodeWith(c.writeProduceRequest, 9, produce), MiB));
  results.push(
    bench('Produce v9 request decode, 1 MiB records', () => c.readProduceRequest(new Reader(produceBytes), 9), MiB),
  );
  const fetchRes = fetchResponse(BigInt, true, PARTITIONS);
  const fetchResBytes = bytesOf(c.writeFetchResponse, 12, fetchRes);
  results.push(bench('Fetch v12 response encode, 1 MiB records', encodeWith(c.writeFetchResponse, 12, fetchRes), MiB));
  results.push(
    bench('Fetch v12 response decode, 1 MiB records', () => c.readFetchResponse(new Reader(fetchResBytes), 12), MiB),
  );

  // int64 representation: the same int64-heavy messages (1,000 partitions) with bigint and with number.
  const numberCodec = await loadNumberCodec();
  const variants: [string, Codec, (n: number) => bigint | number][] = [['bigint', c, BigInt]];
  if (numberCodec) variants.push(['number', numberCodec, (n) => n]);
  for (const [label, codec, int64] of variants) {
    const req = fetchRequest(int64, 1000);
    const reqBytes = bytesOf(codec.writeFetchRequest, 12, req);
    results.push(
      bench(
        `int64=${label}: Fetch v12 request (1,000 partitions) encode`,
        encodeWith(codec.writeFetchRequest, 12, req),
      ),
    );
    results.push(
      bench(`int64=${label}: Fetch v12 request (1,000 partitions) decode`, () =>
        codec.readFetchRequest(new Reader(reqBytes), 12),
      ),
    );
    const res = fetchResponse(int64, false, 1000);
    const resBytes = bytesOf(codec.writeFetchResponse, 12, res);
    results.push(
      bench(
        `int64=${label}: Fetch v12 response (1,000 partitions) encode`,
        encodeWith(codec.writeFetchResponse, 12, res),
      ),
    );
    results.push(
      bench(`int64=${label}: Fetch v12 response (1,000 partitions) decode`, () =>
        codec.readFetchResponse(new Reader(resBytes), 12),
      ),
    );
  }

  const block = Buffer.alloc(MiB, 0x5a);
  results.push(bench('CRC32C over 1 MiB (@node-rs/crc32)', () => crc32c(block), MiB));
  return results;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const results = await benchCodec();
  if (existsSync(join(here, 'records.bench.ts'))) {
    const { benchRecords } = await import('./records.bench.js');
    results.push(...(await benchRecords()));
  }
  printTable(`Gregor protocol codec, Node ${process.version}`, results);
  const crc = results.find((r) => r.name.startsWith('CRC32C'));
  if (crc?.mbPerSec) console.log(`\nCRC32C: ${(crc.mbPerSec / 1000).toFixed(2)} GB/s`);
}
