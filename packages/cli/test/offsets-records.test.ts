/**
 * `gregor offsets get`, `records delete` and `log-dirs describe` through the real binary against
 * a test broker: kafka-get-offsets' topic:partition:offset lines at -1/-2/a time, deleting
 * records from Kafka's offset JSON and from flags (nothing deleted when one offset is bad), and
 * the log directories as tables and as Kafka's JSON.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestBroker, type TestBroker } from '@gregor/broker/testing';
import { Producer } from '@gregor/client';
import { cells, lines, runCli } from './support/run-cli.js';

let broker: TestBroker;
let dir: string;
let gregor: (args: string[]) => ReturnType<typeof runCli>;
const BASE = Date.UTC(2024, 4, 1, 12, 0, 0);

before(async () => {
  broker = await startTestBroker();
  gregor = (args) => runCli(['--bootstrap-server', broker.bootstrap, ...args]);
  dir = mkdtempSync(join(tmpdir(), 'gregor-cli-records-'));
  for (const [topic, partitions] of [
    ['orders', '2'],
    ['payments', '1'],
  ] as const)
    assert.equal((await gregor(['topic', 'create', topic, '--partitions', partitions])).code, 0);
  const producer = new Producer({ brokers: [broker.bootstrap] });
  try {
    // orders-0: 4 records at BASE+0..3 s; orders-1: 2; payments-0: 3.
    await producer.sendBatch([
      ...[0, 1, 2, 3].map((i) => ({ topic: 'orders', partition: 0, value: `a${i}`, timestamp: BASE + i * 1000 })),
      ...[0, 1].map((i) => ({ topic: 'orders', partition: 1, value: `b${i}`, timestamp: BASE + i * 1000 })),
      ...[0, 1, 2].map((i) => ({ topic: 'payments', value: `p${i}`, timestamp: BASE + i * 1000 })),
    ]);
  } finally {
    await producer.close();
  }
});
after(async () => {
  await broker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('offsets get: latest by default, earliest, a time, a topic pattern and partitions', async () => {
  let r = await gregor(['offsets', 'get', '--exclude-internal-topics']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(r.stdout), ['orders:0:4', 'orders:1:2', 'payments:0:3']);

  r = await gregor(['offsets', 'get', '--topic', 'ord.*', '--time', '-2']);
  assert.deepEqual(lines(r.stdout), ['orders:0:0', 'orders:1:0']);

  // The first offset at or after 12:00:02: 2 in orders-0; none in orders-1 (empty, as Kafka prints).
  r = await gregor(['offsets', 'get', '--topic', 'orders', '--time', '2024-05-01T12:00:02Z']);
  assert.deepEqual(lines(r.stdout), ['orders:0:2', 'orders:1:']);
  r = await gregor(['offsets', 'get', '--topic', 'orders', '--partitions', '1', '--time', String(BASE + 1000)]);
  assert.deepEqual(lines(r.stdout), ['orders:1:1']);

  // A commit creates __consumer_offsets, which is listed unless --exclude-internal-topics.
  r = await gregor(['group', 'reset-offsets', 'g', '--topic', 'orders', '--to-earliest', '--execute']);
  assert.equal(r.code, 0, r.stderr);
  r = await gregor(['offsets', 'get']);
  assert.ok(
    lines(r.stdout).some((l) => l.startsWith('__consumer_offsets:0:')),
    'internal topics by default',
  );

  const errors: [string[], number, RegExp][] = [
    [['--topic', 'nothing'], 1, /no topic matches 'nothing'/],
    [
      ['--time', 'soon'],
      2,
      /expected -1\/latest, -2\/earliest, -3\/max-timestamp, epoch ms or a date-time, got 'soon'/,
    ],
    [['--partitions', '0,x'], 2, /--partitions expects a comma-separated list of partition ids/],
    [['--topic', '('], 2, /--topic is not a valid regular expression/],
  ];
  for (const [args, code, message] of errors) {
    r = await gregor(['offsets', 'get', ...args]);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test('records delete: Kafka’s offset JSON, the flag form, and nothing deleted on a bad offset', async () => {
  const json = join(dir, 'offsets.json');
  writeFileSync(
    json,
    JSON.stringify({
      partitions: [
        { topic: 'orders', partition: 0, offset: 2 },
        { topic: 'payments', partition: 0, offset: -1 },
      ],
      version: 1,
    }),
  );
  let r = await gregor(['records', 'delete', '--offset-json-file', json]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(r.stdout), [
    'Executing records delete operation',
    'Records delete operation completed:',
    'partition: orders-0\tlow_watermark: 2',
    'partition: payments-0\tlow_watermark: 3',
  ]);

  r = await gregor(['records', 'delete', '--topic', 'orders', '--partition', '1', '--offset', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^partition: orders-1\tlow_watermark: 1$/m);
  r = await gregor(['offsets', 'get', '--topic', 'orders|payments', '--time', 'earliest']);
  assert.deepEqual(lines(r.stdout), ['orders:0:2', 'orders:1:1', 'payments:0:3']);

  // One offset past the end: refused before anything is deleted.
  writeFileSync(
    json,
    JSON.stringify({
      partitions: [
        { topic: 'orders', partition: 0, offset: 3 },
        { topic: 'orders', partition: 1, offset: 99 },
      ],
    }),
  );
  r = await gregor(['records', 'delete', '--offset-json-file', json]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /orders-1: offset 99 is past the high watermark 2; nothing was deleted/);
  r = await gregor(['offsets', 'get', '--topic', 'orders', '--time', '-2']);
  assert.deepEqual(lines(r.stdout), ['orders:0:2', 'orders:1:1']);

  const bad = join(dir, 'bad.json');
  const errors: [string | null, string[], number, RegExp][] = [
    ['{"partitions": [', [], 2, /is not valid JSON/],
    ['{"partitions":[{"topic":"orders","partition":0}]}', [], 2, /partitions\[0\]: "offset" must be an integer ≥ -1/],
    [
      '{"partitions":[{"topic":"orders","partition":0,"offset":1},{"topic":"orders","partition":0,"offset":2}]}',
      [],
      2,
      /orders-0 appears more than once/,
    ],
    [
      null,
      ['--topic', 'orders', '--partition', '0'],
      2,
      /needs --offset-json-file FILE, or --topic T --partition P --offset O/,
    ],
    [
      null,
      ['--topic', 'orders', '--partition', '5', '--offset', '0'],
      1,
      /topic 'orders' has no partition 5 \(it has 2\)/,
    ],
    [null, ['--offset-json-file', join(dir, 'missing.json')], 1, /cannot read .*missing\.json: ENOENT/],
  ];
  for (const [content, args, code, message] of errors) {
    if (content !== null) writeFileSync(bad, content);
    r = await gregor(['records', 'delete', ...(content !== null ? ['--offset-json-file', bad] : args)]);
    assert.equal(r.code, code, `${content ?? args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test('log-dirs describe: tables, --topic-list, --broker-list and Kafka’s JSON', async () => {
  const id = broker.broker.config.nodeId;
  const logDir = resolve(broker.dataDir);
  let r = await gregor(['log-dirs', 'describe', '--topic-list', 'orders,payments']);
  assert.equal(r.code, 0, r.stderr);
  const [dirs, partitions] = r.stdout.split('\n\n').map((block) => lines(block).map(cells));
  assert.deepEqual(dirs![0], ['BROKER', 'LOG-DIR', 'ERROR', 'TOTAL-BYTES', 'USABLE-BYTES', 'PARTITIONS']);
  assert.deepEqual([dirs![1]![0], dirs![1]![1], dirs![1]![2], dirs![1]![5]], [String(id), logDir, '-', '3']);
  assert.deepEqual(partitions![0], ['BROKER', 'TOPIC', 'PARTITION', 'SIZE', 'OFFSET-LAG', 'FUTURE']);
  assert.deepEqual(
    partitions!.slice(1).map((row) => [row[1], row[2], row[4], row[5]]),
    [
      ['orders', '0', '0', 'no'],
      ['orders', '1', '0', 'no'],
      ['payments', '0', '0', 'no'],
    ],
  );
  for (const row of partitions!.slice(1)) assert.ok(Number(row[3]) > 0, `a partition with records has a size: ${row}`);

  r = await gregor(['log-dirs', 'describe', '--json', '--topic-list', 'payments', '--broker-list', String(id)]);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as {
    version: number;
    brokers: {
      broker: number;
      logDirs: { logDir: string; error: null; partitions: { partition: string; size: number }[] }[];
    }[];
  };
  assert.equal(doc.version, 1);
  assert.equal(doc.brokers.length, 1);
  assert.equal(doc.brokers[0]!.broker, id);
  const [only] = doc.brokers[0]!.logDirs;
  assert.equal(only!.logDir, logDir);
  assert.equal(only!.error, null);
  assert.deepEqual(
    only!.partitions.map((p) => p.partition),
    ['payments-0'],
  );
  assert.ok(only!.partitions[0]!.size > 0);

  r = await gregor(['log-dirs', 'describe', '--broker-list', '7']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`no broker 7 in the cluster \\(brokers: ${id}\\)`));
  r = await gregor(['log-dirs', 'describe', '--topic-list', 'nope']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /UNKNOWN_TOPIC_OR_PARTITION/);
  r = await gregor(['log-dirs', 'describe', '--broker-list', 'zero']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--broker-list expects broker ids like 0,1,2, got 'zero'/);
});
