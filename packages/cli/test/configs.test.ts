/**
 * `gregor configs describe|alter` through the real binary against a test broker: topic overrides
 * with their synonyms, --all, broker defaults (--entity-default), a named broker, kafka-configs'
 * bracketed list values, deletes, and the usage and runtime errors with their exit codes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestBroker, type TestBroker } from '@gregor/broker/testing';
import { lines, runCli } from './support/run-cli.js';

let broker: TestBroker;
let gregor: (args: string[]) => ReturnType<typeof runCli>;
before(async () => {
  broker = await startTestBroker();
  gregor = (args) => runCli(['--bootstrap-server', broker.bootstrap, ...args]);
});
after(async () => {
  await broker?.stop();
});

test('topic overrides: describe with synonyms, alter with lists and deletes, --all', async () => {
  let r = await gregor(['topic', 'create', 'orders', '--config', 'retention.ms=86400000']);
  assert.equal(r.code, 0, r.stderr);

  r = await gregor(['configs', 'describe', '--entity-type', 'topics', '--entity-name', 'orders']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(r.stdout), [
    'Dynamic configs for topic orders are:',
    '  retention.ms=86400000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=86400000}',
  ]);

  r = await gregor([
    'configs',
    'alter',
    '--entity-type',
    'topics',
    '--entity-name',
    'orders',
    '--add-config',
    'cleanup.policy=[compact,delete],segment.ms=600000',
    '--delete-config',
    'retention.ms',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Completed updating config for topic orders.\n');

  r = await gregor(['configs', 'describe', '--topic', 'orders']);
  assert.equal(r.code, 0, r.stderr);
  const shown = lines(r.stdout);
  assert.equal(shown[0], 'Dynamic configs for topic orders are:');
  assert.match(shown[1]!, /^ {2}cleanup\.policy=compact,delete sensitive=false synonyms=\{DYNAMIC_TOPIC_CONFIG:/);
  assert.match(shown[2]!, /^ {2}segment\.ms=600000 sensitive=false /);
  assert.equal(shown.length, 3, 'retention.ms was deleted');

  r = await gregor(['configs', 'describe', '--topic', 'orders', '--all']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(lines(r.stdout)[0], 'All configs for topic orders are:');
  assert.ok(
    lines(r.stdout).includes(
      // As Kafka: no broker synonym has a value (log.retention.hours is not a synonym it reports).
      '  retention.ms=604800000 sensitive=false synonyms={}',
    ),
    r.stdout,
  );
  assert.ok(lines(r.stdout).length > 10, 'every topic config is listed');
});

test('broker configs: the cluster default, a named broker, every broker', async () => {
  let r = await gregor([
    'configs',
    'alter',
    '--entity-type',
    'brokers',
    '--entity-default',
    '--add-config',
    'log.retention.ms=3600000',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Completed updating default config for brokers in the cluster.\n');
  try {
    r = await gregor(['configs', 'describe', '--entity-type', 'brokers', '--entity-default']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), [
      'Default configs for brokers in the cluster are:',
      '  log.retention.ms=3600000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=3600000}',
    ]);

    const id = String(broker.broker.config.nodeId);
    r = await gregor(['configs', 'describe', '--entity-type', 'brokers', '--entity-name', id]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lines(r.stdout)[0], `Dynamic configs for broker ${id} are:`);
    assert.match(
      r.stdout,
      /^ {2}log\.retention\.ms=3600000 sensitive=false synonyms=\{DYNAMIC_DEFAULT_BROKER_CONFIG:log\.retention\.ms=3600000, DEFAULT_CONFIG:log\.retention\.ms=604800000\}$/m,
    );

    // Without a name: every broker, each with its heading.
    r = await gregor(['configs', 'describe', '--entity-type', 'brokers', '--all']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lines(r.stdout)[0], `All configs for broker ${id} are:`);
    assert.match(r.stdout, /^ {2}num\.partitions=1 sensitive=false synonyms=\{.*DEFAULT_CONFIG:num\.partitions=1\}$/m);
  } finally {
    r = await gregor(['configs', 'alter', '--broker-defaults', '--delete-config', 'log.retention.ms']);
    assert.equal(r.code, 0, r.stderr);
  }
  r = await gregor(['configs', 'describe', '--broker-defaults']);
  assert.deepEqual(lines(r.stdout), ['Default configs for brokers in the cluster are:']);
});

test('bad invocations exit 2, broker refusals exit 1, each with one readable line', async () => {
  const cases: [string[], number, RegExp][] = [
    [['configs', 'describe'], 2, /name the entity: --entity-type topics\|brokers/],
    [['configs', 'describe', '--entity-type', 'queues'], 2, /--entity-type must be topics or brokers, got 'queues'/],
    [['configs', 'describe', '--entity-type', 'topics', '--entity-default'], 2, /--entity-default applies to/],
    [['configs', 'describe', '--broker', 'one'], 2, /numeric id, got 'one'/],
    [['configs', 'alter', '--topic', 'orders'], 2, /needs --add-config or --delete-config/],
    [['configs', 'alter', '--entity-type', 'topics', '--add-config', 'a=b'], 2, /needs --entity-name TOPIC/],
    [['configs', 'alter', '--topic', 'orders', '--add-config', 'retention.ms'], 2, /expects k=v/],
    [['configs', 'describe', '--broker', '42'], 1, /no broker 42 in the cluster/],
    [['configs', 'describe', '--topic', 'missing'], 1, /topic 'missing' does not exist \(UNKNOWN_TOPIC_OR_PARTITION\)/],
    [['configs', 'alter', '--topic', 'orders', '--add-config', 'retention.ms=soon'], 1, /INVALID_CONFIG/],
  ];
  await gregor(['topic', 'create', 'orders', '--if-not-exists']);
  for (const [args, code, message] of cases) {
    const r = await gregor(args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
  }
});
