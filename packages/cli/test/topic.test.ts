/** `gregor topic …` through the real binary against a test broker (`cluster …`: cluster.test.ts). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestBroker, type TestBroker } from '@gregor/broker/testing';
import { cells, lines, runCli } from './support/run-cli.js';

let broker: TestBroker;
let gregor: (...args: string[]) => ReturnType<typeof runCli>;
before(async () => {
  broker = await startTestBroker();
  gregor = (...args) => runCli(['--bootstrap-server', broker.bootstrap, ...args]);
});
after(async () => {
  await broker?.stop();
});

test('topic create, list, describe, alter and delete', async () => {
  let r = await gregor('topic', 'create', 'orders', '--partitions', '3', '--config', 'retention.ms=86400000');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Created topic orders.\n');

  r = await gregor('topic', 'create', 'orders', '--partitions', '3');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /gregor: error: .*TOPIC_ALREADY_EXISTS/);
  r = await gregor('topic', 'create', 'orders', '--partitions', '3', '--if-not-exists');
  assert.equal(r.code, 0, r.stderr);

  r = await gregor('topic', 'list', '--exclude-internal');
  assert.equal(r.code, 0, r.stderr);
  const listed = lines(r.stdout);
  assert.deepEqual(cells(listed[0]!), ['TOPIC', 'PARTITIONS', 'REPLICATION-FACTOR']);
  assert.deepEqual(cells(listed.find((l) => l.startsWith('orders'))!), ['orders', '3', '1']);
  r = await gregor('topic', 'list', '--names', '--exclude-internal');
  assert.deepEqual(lines(r.stdout), ['orders']);

  r = await gregor('topic', 'describe', 'orders');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Topic:\s+orders$/m);
  assert.match(r.stdout, /^Partitions:\s+3$/m);
  assert.match(r.stdout, /^Replication factor:\s+1$/m);
  assert.match(r.stdout, /^ {2}retention\.ms=86400000$/m);
  const partitionRows = lines(r.stdout.slice(r.stdout.indexOf('PARTITION')));
  assert.deepEqual(cells(partitionRows[0]!), ['PARTITION', 'LEADER', 'EPOCH', 'REPLICAS', 'ISR', 'OFFLINE', 'STATUS']);
  assert.deepEqual(partitionRows.slice(1).map(cells), [
    ['0', '0', '0', '0', '0', '-', 'ok'],
    ['1', '0', '0', '0', '0', '-', 'ok'],
    ['2', '0', '0', '0', '0', '-', 'ok'],
  ]);

  r = await gregor('topic', 'alter', 'orders', '--partitions', '5', '--config', 'cleanup.policy=compact');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Altered topic orders: partitions 3 → 5; set cleanup.policy=compact.\n');
  r = await gregor('topic', 'alter', 'orders', '--delete-config', 'retention.ms');
  assert.equal(r.code, 0, r.stderr);
  r = await gregor('topic', 'describe', 'orders');
  assert.match(r.stdout, /^Partitions:\s+5$/m);
  assert.match(r.stdout, /^ {2}cleanup\.policy=compact$/m);
  assert.doesNotMatch(r.stdout, /retention\.ms/);
  r = await gregor('topic', 'describe', 'orders', '--all-configs');
  assert.match(r.stdout, /^ {2}retention\.ms=\d+ {2}\((default|static-broker)\)$/m);

  r = await gregor('topic', 'alter', 'orders', '--partitions', '2');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /has 5 partitions; the count can only grow/);
  r = await gregor('topic', 'alter', 'orders');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /needs --partitions, --config or --delete-config/);

  r = await gregor('topic', 'delete', 'orders');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Deleted topic orders.\n');
  r = await gregor('topic', 'describe', 'orders');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /UNKNOWN_TOPIC_OR_PARTITION/);
  r = await gregor('topic', 'delete', 'orders', '--if-exists');
  assert.equal(r.code, 0, r.stderr);
});

test('the bootstrap server comes from GREGOR_BOOTSTRAP_SERVER when not given', async () => {
  const r = await runCli(['topic', 'list', '--names'], { env: { GREGOR_BOOTSTRAP_SERVER: broker.bootstrap } });
  assert.equal(r.code, 0, r.stderr);
});
