/**
 * The operations endpoint on metrics.port: /health, /ready and the per-partition and
 * per-group metrics, scraped over HTTP from a real broker process after producing and
 * committing through kafkajs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { OpsServer, type Readiness } from '../src/ops-server.js';
import { startProcess } from './support/broker-process.js';
import { kafkaClient } from '@gregor/testkit/kafkajs';

/** The value of the Prometheus sample `name` whose labels include `labels`. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const found = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(m[3]);
  }
  return undefined;
}

const onDisk = (dir: string): number =>
  readdirSync(dir).reduce((sum, f) => sum + (f.endsWith('.log') ? statSync(join(dir, f)).size : 0), 0);

test('/ready answers 503 with the reason until the broker is ready; /health and unknown paths', async () => {
  let state: Readiness = { ready: false, reason: 'loading logs' };
  const server = new OpsServer(new Registry(), () => state);
  const port = await server.listen('127.0.0.1', 0);
  const url = (path: string) => `http://127.0.0.1:${port}${path}`;
  try {
    const starting = await fetch(url('/ready'));
    assert.equal(starting.status, 503);
    assert.equal(await starting.text(), 'not ready: loading logs\n');
    assert.equal((await fetch(url('/health'))).status, 200, 'alive while starting');
    state = { ready: true };
    const ready = await fetch(url('/ready'));
    assert.equal(ready.status, 200);
    assert.equal(await ready.text(), 'ready\n');
    assert.equal((await fetch(url('/nope'))).status, 404);
    assert.equal((await fetch(url('/ready'), { method: 'POST' })).status, 405);
  } finally {
    await server.close();
  }
});

test('a real broker: /health, /ready, log end offsets, sizes on disk and consumer-group lag per partition', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-ops-'));
  const broker = await startProcess([
    '--override',
    'listeners=PLAINTEXT://127.0.0.1:0',
    '--override',
    `log.dirs=${dir}`,
    '--override',
    'metrics.port=0',
  ]);
  const kafka = kafkaClient(`127.0.0.1:${broker.port}`);
  const admin = kafka.admin();
  const producer = kafka.producer();
  const scrape = async (): Promise<string> => {
    const res = await fetch(`http://127.0.0.1:${broker.metricsPort}/metrics`);
    assert.equal(res.status, 200);
    return res.text();
  };
  try {
    assert.equal((await fetch(`http://127.0.0.1:${broker.metricsPort}/health`)).status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${broker.metricsPort}/ready`)).status, 200);

    await admin.connect();
    await producer.connect();
    await admin.createTopics({ topics: [{ topic: 'ops', numPartitions: 2 }] });
    const send = (partition: number, n: number) =>
      producer.send({
        topic: 'ops',
        messages: Array.from({ length: n }, (_, i) => ({ partition, key: `k${i}`, value: `value-${i}` })),
      });
    await send(0, 10);
    await send(1, 4);
    await admin.setOffsets({
      groupId: 'billing',
      topic: 'ops',
      partitions: [
        { partition: 0, offset: '3' },
        { partition: 1, offset: '4' },
      ],
    });

    let text = await scrape();
    const p0 = { topic: 'ops', partition: '0' };
    const p1 = { topic: 'ops', partition: '1' };
    assert.equal(sample(text, 'gregor_log_end_offset', p0), 10);
    assert.equal(sample(text, 'gregor_log_end_offset', p1), 4);
    assert.equal(sample(text, 'gregor_log_start_offset', p0), 0);
    assert.equal(sample(text, 'gregor_log_size_bytes', p0), onDisk(join(dir, 'ops-0')));
    assert.equal(sample(text, 'gregor_log_size_bytes', p1), onDisk(join(dir, 'ops-1')));
    assert.ok(sample(text, 'gregor_log_size_bytes', p0)! > sample(text, 'gregor_log_size_bytes', p1)!);
    assert.equal(sample(text, 'gregor_consumer_group_committed_offset', { group: 'billing', ...p0 }), 3);
    assert.equal(sample(text, 'gregor_consumer_group_lag', { group: 'billing', ...p0 }), 7);
    assert.equal(sample(text, 'gregor_consumer_group_lag', { group: 'billing', ...p1 }), 0);
    assert.ok(
      sample(text, 'gregor_log_end_offset', { topic: '__consumer_offsets' }) !== undefined,
      'internal topics are measured too',
    );

    await send(1, 5);
    text = await scrape();
    assert.equal(sample(text, 'gregor_consumer_group_lag', { group: 'billing', ...p1 }), 5, 'lag follows new records');
  } finally {
    await producer.disconnect();
    await admin.disconnect();
    assert.equal(await broker.stop(), 0);
    rmSync(dir, { recursive: true, force: true });
  }
});
