/**
 * The kafka-consumer-groups parts of `gregor group` beyond the basics (group.test.ts): describe
 * --all-groups and --state, reset-offsets for one group or --all-groups, its scopes (--topic repeated and with partitions,
 * --all-topics, --from-file) and targets (--shift-by, --to-datetime, --by-duration, --to-current) with
 * --export, and delete-offsets (refused while a live member consumes the topic). The real binary
 * against a test broker; offsets are checked through the admin client.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestBroker, type TestBroker } from '@gregor/broker/testing';
import { Admin, Producer } from '@gregor/client';
import { Kafka, logLevel } from 'kafkajs';
import { cells, lines, runCli } from './support/run-cli.js';

let broker: TestBroker;
let admin: Admin;
let dir: string;
let gregor: (args: string[]) => ReturnType<typeof runCli>;
/** CreateTime of record i in each partition of `events`: BASE + i seconds. */
const BASE = Date.UTC(2024, 4, 1, 12, 0, 0);

before(async () => {
  broker = await startTestBroker({ 'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '2' });
  gregor = (args) => runCli(['--bootstrap-server', broker.bootstrap, ...args]);
  dir = mkdtempSync(join(tmpdir(), 'gregor-cli-group-admin-'));
  admin = new Admin({ brokers: [broker.bootstrap] });
  await admin.connect();
  await admin.createTopics([
    { topic: 'events', numPartitions: 2 },
    { topic: 'other', numPartitions: 1 },
  ]);
  const producer = new Producer({ brokers: [broker.bootstrap] });
  try {
    await producer.sendBatch(
      [0, 1].flatMap((partition) =>
        [0, 1, 2, 3, 4].map((i) => ({ topic: 'events', partition, value: `e${i}`, timestamp: BASE + i * 1000 })),
      ),
    );
    await producer.sendBatch([0, 1, 2].map((i) => ({ topic: 'other', value: `o${i}` })));
  } finally {
    await producer.close();
  }
});
after(async () => {
  await admin?.close();
  await broker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function committed(group: string): Promise<string[]> {
  return (await admin.listGroupOffsets(group)).map((o) => `${o.topic}-${o.partition}=${o.offset}`);
}

/** The plan table's rows without its header: [group, topic, partition, offset]. */
const planRows = (stdout: string) => lines(stdout).slice(1).map(cells);

test('reset-offsets: --all-topics --shift-by, --to-datetime, --to-current --export, --from-file', async () => {
  await admin.alterGroupOffsets('resets', [
    { topic: 'events', partition: 0, offset: 3 },
    { topic: 'events', partition: 1, offset: 4 },
  ]);

  let r = await gregor(['group', 'reset-offsets', 'resets', '--all-topics', '--shift-by', '-2']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(planRows(r.stdout), [
    ['resets', 'events', '0', '1'],
    ['resets', 'events', '1', '2'],
  ]);
  assert.match(r.stderr, /Dry run: nothing was changed/);
  assert.deepEqual(await committed('resets'), ['events-0=3', 'events-1=4']);

  // Shifted past the end: clamped to the log end, as Kafka does.
  r = await gregor(['group', 'reset-offsets', 'resets', '--all-topics', '--shift-by', '100', '--execute']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await committed('resets'), ['events-0=5', 'events-1=5']);

  // The first record at or after 12:00:02 is offset 2; only partition 0 is in scope.
  r = await gregor([
    'group',
    'reset-offsets',
    'resets',
    '--topic',
    'events:0',
    '--to-datetime',
    '2024-05-01T12:00:02.000Z',
    '--execute',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(planRows(r.stdout), [['resets', 'events', '0', '2']]);
  assert.deepEqual(await committed('resets'), ['events-0=2', 'events-1=5']);

  // Every record is from 2024: a day back from now is past them all (the log end); a century, before them.
  r = await gregor(['group', 'reset-offsets', 'resets', '--topic', 'events:1', '--by-duration', 'P1D', '--export']);
  assert.deepEqual(lines(r.stdout), ['events,1,5']);
  r = await gregor(['group', 'reset-offsets', 'resets', '--topic', 'events:1', '--by-duration', 'P36500D', '--export']);
  assert.deepEqual(lines(r.stdout), ['events,1,0']);

  // --to-current keeps what is committed and, where nothing is, takes the log end; --export prints CSV.
  r = await gregor([
    'group',
    'reset-offsets',
    'resets',
    '--topic',
    'events',
    '--topic',
    'other',
    '--to-current',
    '--export',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(r.stdout), ['events,0,2', 'events,1,5', 'other,0,3']);
  assert.deepEqual(await committed('resets'), ['events-0=2', 'events-1=5'], '--export alone is a dry run');

  // The file format --export writes; a group column selects this group's rows (Kafka's multi-group export).
  const csv = join(dir, 'plan.csv');
  writeFileSync(csv, 'events,1,1\nresets,other,0,2\nsomeone-else,events,0,0\n\n');
  r = await gregor(['group', 'reset-offsets', 'resets', '--from-file', csv, '--execute']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(planRows(r.stdout), [
    ['resets', 'events', '1', '1'],
    ['resets', 'other', '0', '2'],
  ]);
  assert.deepEqual(await committed('resets'), ['events-0=2', 'events-1=1', 'other-0=2']);
});

test('reset-offsets refuses bad plans before changing anything', async () => {
  await admin.alterGroupOffsets('careful', [{ topic: 'events', partition: 0, offset: 1 }]);
  const bad = join(dir, 'bad.csv');
  writeFileSync(bad, 'events,0,1\nevents,zero,2\n');
  const cases: [string[], number, RegExp][] = [
    [['--topic', 'events'], 2, /needs exactly one of --to-earliest, .*--shift-by N, --to-datetime ISO/],
    [['--to-earliest'], 2, /needs --topic T\[:P,P…\] \(repeatable\) or --all-topics/],
    [['--topic', 'events', '--all-topics', '--to-earliest'], 2, /needs --topic .* or --all-topics/],
    [['--topic', 'events', '--to-datetime', 'yesterday'], 2, /expected a date-time like 2024-05-01T12:00:00.000/],
    [['--topic', 'events', '--by-duration', '1 day'], 2, /expected a duration like P1DT2H30M or PT15M/],
    [['--topic', 'events', '--to-datetime', '1960-01-01T00:00:00Z'], 2, /before 1970/],
    [['--topic', 'events:x', '--to-earliest'], 2, /--topic expects TOPIC or TOPIC:P,P…, got 'events:x'/],
    [['--from-file', bad, '--execute'], 2, /bad\.csv line 2: partition must be a number, got 'zero'/],
    [['--topic', 'events:7', '--to-earliest', '--execute'], 1, /topic 'events' has no partition 7 \(it has 2\)/],
    [
      ['--topic', 'events', '--shift-by', '1', '--execute'],
      1,
      /cannot shift events-1: the group has no committed offset/,
    ],
  ];
  for (const [args, code, message] of cases) {
    const r = await gregor(['group', 'reset-offsets', 'careful', ...args]);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
  assert.deepEqual(await committed('careful'), ['events-0=1']);
});

test('describe --all-groups and --state, reset-offsets --all-groups; delete-offsets, refused for a live member', async () => {
  await admin.alterGroupOffsets('tidy', [
    { topic: 'events', partition: 0, offset: 5 },
    { topic: 'other', partition: 0, offset: 1 },
  ]);
  const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'live-client', logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: 'live', heartbeatInterval: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'events', fromBeginning: true });
  let seen = 0;
  await consumer.run({
    eachMessage: async () => {
      seen++;
    },
  });
  try {
    const deadline = Date.now() + 30_000;
    let r;
    for (;;) {
      r = await gregor(['group', 'describe', '--all-groups', '--state']);
      if (seen === 10 && /^live\s+.*Stable\s+1$/m.test(r.stdout)) break;
      if (Date.now() > deadline) assert.fail(`the live group never settled: ${r.stdout}${r.stderr}`);
      await new Promise((res) => setTimeout(res, 300));
    }
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(cells(lines(r.stdout)[0]!), [
      'GROUP',
      'COORDINATOR (ID)',
      'ASSIGNMENT-STRATEGY',
      'STATE',
      '#MEMBERS',
    ]);
    const live = lines(r.stdout)
      .map(cells)
      .find((row) => row[0] === 'live')!;
    assert.deepEqual(live.slice(1), [
      `${broker.bootstrap} (${broker.broker.config.nodeId})`,
      'RoundRobinAssigner',
      'Stable',
      '1',
    ]);
    assert.ok(
      lines(r.stdout).some((l) => /^tidy\s+.*Empty\s+0$/.test(l)),
      r.stdout,
    );

    r = await gregor(['group', 'describe', '--all-groups']);
    assert.equal(r.code, 0, r.stderr);
    for (const group of ['live', 'tidy', 'resets']) assert.match(r.stdout, new RegExp(`^Group:\\s+${group}$`, 'm'));
    assert.match(r.stdout, /^events\s+0\s+5\s+5\s+0\s+-/m, 'tidy’s committed offsets are listed');

    // Every group: the live one is skipped (exit 1), the others are planned; Kafka's multi-group CSV.
    r = await gregor(['group', 'reset-offsets', '--all-groups', '--all-topics', '--to-earliest', '--export']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /consumer group 'live' has active members \(state Stable\)/);
    assert.match(r.stderr, /skipped active group\(s\): live$/m);
    assert.ok(lines(r.stdout).includes('tidy,events,0,0'), r.stdout);
    assert.ok(lines(r.stdout).includes('tidy,other,0,0'), r.stdout);
    assert.ok(!lines(r.stdout).some((l) => l.startsWith('live,')), r.stdout);
    for (const l of lines(r.stdout)) assert.equal(l.split(',').length, 4, l);
    assert.deepEqual(await committed('tidy'), ['events-0=5', 'other-0=1'], '--export alone changes nothing');

    r = await gregor(['group', 'delete-offsets', 'tidy', '--topic', 'other']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(r.stdout).map(cells), [
      ['Deleted committed offsets of group tidy:'],
      ['TOPIC', 'PARTITION', 'STATUS'],
      ['other', '0', 'Successful'],
    ]);
    assert.deepEqual(await committed('tidy'), ['events-0=5']);

    r = await gregor(['group', 'delete-offsets', 'live', '--topic', 'events:0,1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /GROUP_SUBSCRIBED_TO_TOPIC/);
  } finally {
    await consumer.disconnect();
  }
  const r = await gregor(['group', 'describe']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /group describe needs a group id or --all-groups/);
});
