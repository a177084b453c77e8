/** `gregor perf produce|consume`: a small run prints the summary (and JSON with --json). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestBroker, type TestBroker } from '@gregor/broker/testing';
import { runCli } from './support/run-cli.js';

let broker: TestBroker;
let gregor: (...args: string[]) => ReturnType<typeof runCli>;
before(async () => {
  broker = await startTestBroker();
  gregor = (...args) => runCli(['--bootstrap-server', broker.bootstrap, ...args]);
});
after(async () => {
  await broker?.stop();
});

test('perf produce prints records/s, MB/s and latency percentiles; perf consume reads them back', async () => {
  assert.equal((await gregor('topic', 'create', 'perf', '--partitions', '2')).code, 0);
  let r = await gregor(
    'perf',
    'produce',
    '--topic',
    'perf',
    '--num-records',
    '5000',
    '--record-size',
    '100',
    '--acks',
    '1',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^records sent:\s+5,000$/m);
  assert.match(r.stdout, /^MB:\s+0\.50$/m);
  for (const label of ['records/s', 'MB/s']) assert.match(r.stdout, new RegExp(`^${label}:\\s+[\\d,.]+$`, 'm'));
  for (const p of ['avg', 'p50', 'p95', 'p99', 'p99.9', 'max'])
    assert.match(r.stdout, new RegExp(`^latency ${p.replace('.', '\\.')}:\\s+[\\d,.]+ ms$`, 'm'));
  assert.equal(r.stderr, '', 'no progress bar when stderr is not a terminal');

  r = await gregor(
    ...['perf', 'produce', '--topic', 'perf', '--num-records', '300', '--record-size', '1024'],
    ...['--throughput', '1000', '--json'],
  );
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as {
    records: number;
    bytes: number;
    seconds: number;
    latency: { p99Ms: number };
  };
  assert.equal(result.records, 300);
  assert.equal(result.bytes, 300 * 1024);
  assert.ok(result.seconds >= 0.25, `throttled to 1000 records/s, took ${result.seconds} s`);
  assert.ok(result.latency.p99Ms > 0);

  r = await gregor('perf', 'consume', '--topic', 'perf', '--messages', '5300');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^records consumed:\s+5,300$/m);
  assert.match(r.stdout, /^MB\/s:\s+[\d,.]+$/m);
  assert.match(r.stdout, /^poll wait p99:\s+[\d,.]+ ms$/m);

  r = await gregor('perf', 'consume', '--topic', 'perf', '--messages', '6000', '--timeout-ms', '500', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { records: number; complete: boolean }).complete, false);
  assert.match(r.stderr, /stopped after 5300 of 6000 records/);
});

test('perf produce requires its options', async () => {
  const r = await gregor('perf', 'produce', '--topic', 'perf', '--record-size', '10');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /required option '--num-records <n>' not specified/);
});
