/**
 * The broker's V8 flags (src/node-flags.ts): every way of starting it passes them, and with them a
 * sustained produce of 1 MiB requests does not send the broker into back-to-back full collections
 * (the loop that cost the compiled entry two thirds of its produce throughput).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { Admin } from '@gregor/client';
import { ApiKey, decodeResponse, encodeRecordBatch, encodeRequest, ErrorCode, FrameDecoder } from '@gregor/protocol';
import { BROKER_NODE_FLAGS, brokerCommand, newDataDir, spawnBroker } from '../src/testing/index.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

test('npm start, the broker package’s start script and the test kit pass the broker’s V8 flags', () => {
  assert.ok(BROKER_NODE_FLAGS.length > 0);
  const scripts = [
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start as string,
    JSON.parse(readFileSync(join(ROOT, 'packages', 'broker', 'package.json'), 'utf8')).scripts.start as string,
  ];
  for (const flag of BROKER_NODE_FLAGS) {
    for (const script of scripts) assert.ok(script.split(' ').includes(flag), `'${script}' lacks ${flag}`);
    assert.ok(brokerCommand().includes(flag), `brokerCommand() lacks ${flag}`);
  }
});

/** Major (mark-compact) collections so far, from the broker's own /metrics. */
async function majorCollections(metricsPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('gregor_process_nodejs_gc_duration_seconds_count{kind="major"}'));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

/** Sends `count` copies of a ~1 MiB Produce request (4 partitions, acks=all), 8 in flight. */
async function produceMegabytes(port: number, topic: string, count: number): Promise<void> {
  const batch = encodeRecordBatch({
    records: Array.from({ length: 256 }, () => ({ key: null, value: Buffer.alloc(1024, 120) })),
  });
  const request = Buffer.concat(
    encodeRequest(
      { apiKey: ApiKey.Produce, apiVersion: 9, correlationId: 1, clientId: 'node-flags-test' },
      {
        transactionalId: null,
        acks: -1,
        timeoutMs: 30_000,
        topicData: [{ name: topic, partitionData: [0, 1, 2, 3].map((index) => ({ index, records: batch })) }],
      },
    ),
  );
  const socket = connect({ port, host: '127.0.0.1', noDelay: true });
  try {
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const frames = new FrameDecoder();
    await new Promise<void>((resolve, reject) => {
      let sent = 0;
      let answered = 0;
      const pump = (): void => {
        for (; sent < count && sent - answered < 8; sent++) socket.write(request);
      };
      socket.on('data', (chunk: Buffer) => {
        for (const frame of frames.push(chunk)) {
          answered++;
          for (const t of decodeResponse(ApiKey.Produce, 9, frame).body.responses)
            for (const p of t.partitionResponses)
              if (p.errorCode !== ErrorCode.NONE) reject(new Error(`produce failed with error ${p.errorCode}`));
        }
        if (answered === count) resolve();
        else pump();
      });
      socket.once('error', reject);
      pump();
    });
  } finally {
    socket.destroy();
  }
}

test(
  'producing 400 MiB in 1 MiB requests costs the broker few full collections',
  { skip: !existsSync('/proc/self/stat') && 'Linux only', timeout: 170_000 },
  async () => {
    const dataDir = newDataDir();
    const broker = await spawnBroker(dataDir, { 'metrics.port': '0' });
    try {
      const admin = new Admin({ brokers: [broker.bootstrap], requestTimeoutMs: 60_000 });
      await admin.createTopics([{ topic: 'flood', numPartitions: 4 }], { timeoutMs: 60_000 });
      await admin.close();
      await produceMegabytes(broker.port, 'flood', 20); // warm-up: code paths compiled, files open
      const before = await majorCollections(broker.metricsPort);
      await produceMegabytes(broker.port, 'flood', 400);
      const collections = (await majorCollections(broker.metricsPort)) - before;
      // In the loop the flags prevent, this took 30-40 mark-compacts; without it none or one.
      assert.ok(collections <= 10, `${collections} full collections while producing 400 MiB`);
    } finally {
      broker.child.kill('SIGTERM');
      await broker.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
);
