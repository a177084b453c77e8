/**
 * `gregor group …` and `consume --group` through the real binary: lag per partition, members of
 * a live kafkajs group, reset-offsets (dry run, --execute, refused while members are active), delete.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestBroker, type TestBroker } from '@gregor/broker/testing';
import { Kafka, logLevel } from 'kafkajs';
import { cells, lines, runCli } from './support/run-cli.js';

let broker: TestBroker;
let gregor: (args: string[], input?: string) => ReturnType<typeof runCli>;
before(async () => {
  broker = await startTestBroker({ 'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '2' });
  gregor = (args, input) =>
    runCli(['--bootstrap-server', broker.bootstrap, ...args], input === undefined ? {} : { input });
});
after(async () => {
  await broker?.stop();
});

/** The lag table's rows as [topic, partition, current, logEnd, lag]. */
function lagRows(stdout: string): string[][] {
  const rows = lines(stdout.slice(stdout.indexOf('TOPIC')));
  assert.deepEqual(cells(rows[0]!), [
    'TOPIC',
    'PARTITION',
    'CURRENT-OFFSET',
    'LOG-END-OFFSET',
    'LAG',
    'CONSUMER-ID',
    'HOST',
    'CLIENT-ID',
  ]);
  return rows.slice(1).map((r) => cells(r).slice(0, 5));
}

test('consume --group commits what it printed; describe shows lag; reset-offsets and delete', async () => {
  assert.equal((await gregor(['topic', 'create', 'events', '--partitions', '2'])).code, 0);
  const input = Array.from({ length: 10 }, (_, i) => JSON.stringify({ value: `e${i}`, partition: i % 2 })).join('\n');
  assert.equal((await gregor(['produce', 'events', '--json'], input)).code, 0);

  let r = await gregor(['consume', 'events', '--group', 'billing', '--from-beginning', '--max-messages', '6']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(lines(r.stdout).length, 6);

  r = await gregor(['group', 'list']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(cells(lines(r.stdout)[0]!), ['GROUP', 'STATE', 'TYPE', 'PROTOCOL-TYPE']);
  assert.ok(
    lines(r.stdout).some((l) => cells(l)[0] === 'billing' && cells(l)[1] === 'Empty'),
    r.stdout,
  );

  r = await gregor(['group', 'describe', 'billing']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^State:\s+Empty$/m);
  assert.match(r.stdout, /^Total lag:\s+4$/m);
  const rows = lagRows(r.stdout);
  // 6 records read out of 5 + 5: the split between partitions depends on fetch order.
  assert.equal(rows.length, 2);
  assert.equal(
    rows.reduce((n, row) => n + Number(row[2]), 0),
    6,
  );
  for (const row of rows) {
    assert.equal(row[3], '5');
    assert.equal(Number(row[4]), 5 - Number(row[2]));
  }

  // The rest, from the committed offsets.
  r = await gregor(['consume', 'events', '--group', 'billing', '--timeout-ms', '1000']);
  assert.equal(lines(r.stdout).length, 4, r.stdout);
  r = await gregor(['group', 'describe', 'billing']);
  assert.match(r.stdout, /^Total lag:\s+0$/m);

  r = await gregor(['group', 'reset-offsets', 'billing', '--topic', 'events', '--to-earliest']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(r.stdout).slice(1).map(cells), [
    ['billing', 'events', '0', '0'],
    ['billing', 'events', '1', '0'],
  ]);
  assert.match(r.stderr, /Dry run/);
  r = await gregor(['group', 'describe', 'billing']);
  assert.match(r.stdout, /^Total lag:\s+0$/m, 'a dry run changes nothing');

  r = await gregor(['group', 'reset-offsets', 'billing', '--topic', 'events:1', '--to-offset', '2', '--execute']);
  assert.equal(r.code, 0, r.stderr);
  r = await gregor(['group', 'describe', 'billing']);
  assert.deepEqual(lagRows(r.stdout), [
    ['events', '0', '5', '5', '0'],
    ['events', '1', '2', '5', '3'],
  ]);
  r = await gregor(['group', 'reset-offsets', 'billing', '--topic', 'events', '--to-latest', '--execute']);
  r = await gregor(['group', 'describe', 'billing']);
  assert.match(r.stdout, /^Total lag:\s+0$/m);

  r = await gregor(['group', 'reset-offsets', 'billing', '--topic', 'events']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /exactly one of --to-earliest, --to-latest, --to-current, --to-offset N, --shift-by N/);

  r = await gregor(['group', 'delete', 'billing']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Deleted consumer group billing.\n');
  r = await gregor(['group', 'describe', 'billing']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /consumer group 'billing' does not exist/);
});

test('describe shows the members of a live group; reset-offsets is refused while they are active', async () => {
  assert.equal((await gregor(['topic', 'create', 'live', '--partitions', '3'])).code, 0);
  assert.equal((await gregor(['produce', 'live'], 'a\nb\nc\nd\n')).code, 0);
  const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'lag-test', logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: 'live-group', heartbeatInterval: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'live', fromBeginning: true });
  let seen = 0;
  await consumer.run({
    eachMessage: async () => {
      seen++;
    },
  });
  try {
    const deadline = Date.now() + 20_000;
    let r;
    for (;;) {
      r = await gregor(['group', 'describe', 'live-group']);
      if (seen === 4 && /^Total lag:\s+0$/m.test(r.stdout) && /^State:\s+Stable$/m.test(r.stdout)) break;
      if (Date.now() > deadline) assert.fail(`group never caught up: ${r.stdout}${r.stderr}`);
      await new Promise((res) => setTimeout(res, 300));
    }
    assert.match(r.stdout, /^Members:\s+1$/m);
    assert.match(r.stdout, /^Protocol:\s+consumer \(\w+\)$/m);
    const rows = lines(r.stdout.slice(r.stdout.indexOf('TOPIC')))
      .slice(1)
      .map(cells);
    assert.equal(rows.length, 3);
    for (const row of rows) {
      assert.equal(row[0], 'live');
      assert.match(row[5]!, /^lag-test-/); // the owning member's id
      assert.equal(row[7], 'lag-test');
    }
    r = await gregor(['group', 'describe', 'live-group', '--members']);
    assert.equal(r.code, 0, r.stderr);
    const member = cells(lines(r.stdout.slice(r.stdout.indexOf('CONSUMER-ID')))[1]!);
    assert.equal(member[4], '3');
    assert.equal(member[5], 'live-0,live-1,live-2');

    r = await gregor(['group', 'reset-offsets', 'live-group', '--topic', 'live', '--to-earliest', '--execute']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /has active members \(state Stable\); stop its consumers/);
  } finally {
    await consumer.disconnect();
  }
});

test('a running `consume --group` is a member of its group; --to-timestamp resets by time', async () => {
  assert.equal((await gregor(['topic', 'create', 'joined', '--partitions', '2'])).code, 0);
  const before = Date.now();
  assert.equal((await gregor(['produce', 'joined'], 'one\ntwo\n')).code, 0);
  const running = gregor(['consume', 'joined', '--group', 'cli-group', '--from-beginning', '--max-messages', '3']);
  const deadline = Date.now() + 20_000;
  let r;
  for (;;) {
    r = await gregor(['group', 'describe', 'cli-group', '--members']);
    // Joined and assigned: the member row lists both partitions.
    if (/^Members:\s+1$/m.test(r.stdout) && /joined-0,joined-1/.test(r.stdout)) break;
    if (Date.now() > deadline) assert.fail(`the consumer never joined: ${r.stdout}${r.stderr}`);
    await new Promise((res) => setTimeout(res, 200));
  }
  const member = cells(lines(r.stdout.slice(r.stdout.indexOf('CONSUMER-ID')))[1]!);
  assert.equal(member[2], 'gregor-cli');
  assert.equal(member[4], '2');
  assert.equal((await gregor(['produce', 'joined'], 'three\n')).code, 0);
  const done = await running;
  assert.equal(done.code, 0, done.stderr);
  assert.deepEqual(lines(done.stdout).sort(), ['one', 'three', 'two']);

  r = await gregor([
    'group',
    'reset-offsets',
    'cli-group',
    '--topic',
    'joined',
    '--to-timestamp',
    String(before),
    '--execute',
  ]);
  assert.equal(r.code, 0, r.stderr);
  r = await gregor(['group', 'describe', 'cli-group']);
  assert.match(r.stdout, /^Total lag:\s+3$/m);
});
