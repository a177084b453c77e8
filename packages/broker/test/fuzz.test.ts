/**
 * A random-frame fuzz against the real broker process (`npm start`'s entry): 100,000 frames,
 * random bytes and mutated real requests, over many connections. The broker must stay up, keep
 * serving, and keep what it acknowledged before. TEST_SEED repeats a run.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { ApiKey, encodeRecordBatch, encodeRequest, ErrorCode, type ApiKeyNumber } from '@gregor/protocol';
import { newDataDir, spawnBroker, type SpawnedBroker } from '../src/testing/index.js';
import { Random, seedFromEnv } from '@gregor/testkit/random';
import { RawClient } from './support/raw-client.js';

const FRAMES = Number(process.env.FUZZ_FRAMES ?? 100_000);
let broker: SpawnedBroker;
const dataDir = newDataDir();

before(async () => {
  // No auto-creation: mutated Metadata requests would otherwise create thousands of topics.
  broker = await spawnBroker(dataDir, { 'auto.create.topics.enable': 'false', 'metrics.port': '0' });
});
after(async () => {
  broker.child.kill('SIGTERM');
  await broker.exited;
  rmSync(dataDir, { recursive: true, force: true });
});

const frameOf = (chunks: Buffer[]): Buffer => Buffer.concat(chunks);

function corpus(): Buffer[] {
  const header = <K extends ApiKeyNumber>(apiKey: K, apiVersion: number) => ({
    apiKey,
    apiVersion,
    correlationId: 1,
    clientId: 'fuzz',
  });
  const records = encodeRecordBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('fuzz value') }] });
  return [
    frameOf(encodeRequest(header(ApiKey.ApiVersions, 3), { clientSoftwareName: 'fuzz', clientSoftwareVersion: '1' })),
    frameOf(
      encodeRequest(header(ApiKey.Metadata, 12), {
        topics: [{ name: 'fuzz' }],
        allowAutoTopicCreation: true,
        includeTopicAuthorizedOperations: false,
      }),
    ),
    frameOf(encodeRequest(header(ApiKey.Metadata, 1), { topics: null })),
    frameOf(
      encodeRequest(header(ApiKey.Produce, 9), {
        transactionalId: null,
        acks: 1,
        timeoutMs: 1000,
        topicData: [{ name: 'fuzz', partitionData: [{ index: 0, records }] }],
      }),
    ),
    frameOf(
      encodeRequest(header(ApiKey.Produce, 3), {
        transactionalId: null,
        acks: -1,
        timeoutMs: 1000,
        topicData: [{ name: 'fuzz', partitionData: [{ index: 0, records }] }],
      }),
    ),
    frameOf(
      encodeRequest(header(ApiKey.Fetch, 12), {
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 65536,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [{ topic: 'fuzz', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 65536 }] }],
        forgottenTopicsData: [],
        rackId: '',
      }),
    ),
    frameOf(
      encodeRequest(header(ApiKey.Fetch, 4), {
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 65536,
        isolationLevel: 0,
        topics: [{ topic: 'fuzz', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 65536 }] }],
      }),
    ),
    frameOf(
      encodeRequest(header(ApiKey.ListOffsets, 7), {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ name: 'fuzz', partitions: [{ partitionIndex: 0, timestamp: -1n }] }],
      }),
    ),
    frameOf(encodeRequest(header(ApiKey.InitProducerId, 4), { transactionalId: null, transactionTimeoutMs: 1000 })),
  ];
}

function mutate(rnd: Random, samples: Buffer[]): Buffer {
  const kind = rnd.int(0, 9);
  if (kind === 0) return rnd.bytes(rnd.int(0, 40)); // raw garbage, size prefix included
  const frame = Buffer.from(rnd.pick(samples));
  if (kind === 1) {
    // a well-framed body of random bytes behind a real api key and version
    const body = rnd.bytes(rnd.int(0, 60));
    const out = Buffer.concat([frame.subarray(0, 12), body]);
    out.writeInt32BE(out.length - 4, 0);
    return out;
  }
  // flip a few bytes after the size prefix, sometimes cut the frame short (keeping it framed)
  for (let k = rnd.int(1, 3); k > 0; k--) frame[rnd.int(4, frame.length - 1)] = rnd.int(0, 255);
  if (rnd.bool(0.2)) {
    const cut = frame.subarray(0, rnd.int(12, frame.length));
    cut.writeInt32BE(cut.length - 4, 0);
    return cut;
  }
  return frame;
}

/** Sends a few frames on one connection and hangs up once the broker closes it or goes quiet. */
function blast(port: number, frames: Buffer[]): Promise<void> {
  return new Promise((resolve) => {
    let idle: NodeJS.Timeout | undefined;
    const socket = connect({ port, host: '127.0.0.1' }, () => {
      socket.write(Buffer.concat(frames));
      idle = setTimeout(() => socket.destroy(), 20);
    });
    socket.on('data', () => {
      clearTimeout(idle);
      idle = setTimeout(() => socket.destroy(), 5);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(idle);
      resolve();
    });
  });
}

/** Frames the broker has dealt with: requests answered or handled, plus frames that closed a connection. */
async function framesHandled(metricsPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n'))
    if (line.startsWith('gregor_requests_total{') || line.startsWith('gregor_protocol_errors_total '))
      total += Number(line.split(' ').pop());
  return total;
}

test(
  `${FRAMES.toLocaleString('en-US')} random and mutated frames leave the broker serving`,
  { timeout: 240_000 },
  async () => {
    const seed = seedFromEnv();
    const rnd = new Random(seed);
    const setup = await RawClient.connect(broker.port);
    await setup.request(ApiKey.CreateTopics, 7, {
      topics: [{ name: 'fuzz', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 1000,
      validateOnly: false,
    });
    const acked = await setup.request(ApiKey.Produce, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 1000,
      topicData: [
        {
          name: 'fuzz',
          partitionData: [
            { index: 0, records: encodeRecordBatch({ records: [{ value: Buffer.from('before the fuzz') }] }) },
          ],
        },
      ],
    });
    assert.equal(acked.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
    await setup.close();

    const samples = corpus();
    const parallel = 16;
    let handled = 0;
    while (handled < FRAMES) {
      const batch: Promise<void>[] = [];
      for (let c = 0; c < parallel * 8; c++)
        batch.push(
          blast(
            broker.port,
            Array.from({ length: rnd.int(1, 8) }, () => mutate(rnd, samples)),
          ),
        );
      await Promise.all(batch);
      assert.equal(broker.child.exitCode, null, `broker exited during the fuzz (seed ${seed})`);
      handled = await framesHandled(broker.metricsPort);
    }

    const probe = await RawClient.connect(broker.port);
    try {
      const versions = await probe.request(ApiKey.ApiVersions, 3, {
        clientSoftwareName: 'probe',
        clientSoftwareVersion: '1',
      });
      assert.equal(versions.errorCode, ErrorCode.NONE);
      const fetched = await probe.request(ApiKey.Fetch, 12, {
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 20,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [{ topic: 'fuzz', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
        forgottenTopicsData: [],
        rackId: '',
      });
      const records = fetched.responses[0]!.partitions[0]!.records!;
      assert.ok(
        records.includes(Buffer.from('before the fuzz')),
        'the record acknowledged before the fuzz is still there',
      );
    } finally {
      await probe.close();
    }
    assert.equal(broker.child.exitCode, null, `seed ${seed}`);
  },
);
