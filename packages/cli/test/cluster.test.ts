/**
 * `gregor cluster describe|elect-leaders|reassign`, `topic describe` (all topics, health filters)
 * and `topic create --replica-assignment`, through the real binary against a single test broker
 * with node id 1. This broker has no controller APIs (ElectLeaders, partition reassignments), so
 * those commands must say so plainly (exit 1); bad flags and files are usage errors (exit 2)
 * whatever the broker. Elections and reassignments on several brokers are tested with the cluster.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestBroker, type TestBroker } from '@gregor/broker/testing';
import { cells, lines, runCli } from './support/run-cli.js';

let broker: TestBroker;
let dir: string;
let gregor: (...args: string[]) => ReturnType<typeof runCli>;
before(async () => {
  broker = await startTestBroker({ 'broker.id': '1' });
  dir = mkdtempSync(join(tmpdir(), 'gregor-cli-cluster-'));
  gregor = (...args) => runCli(['--bootstrap-server', broker.bootstrap, ...args]);
});
after(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes `content` (JSON unless a string) to a file in the test's directory; returns its path. */
function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const NEEDS_CLUSTER = (api: string, key: number) =>
  new RegExp(
    `^gregor: error: the broker at ${broker.bootstrap.replace(/\./g, '\\.')} does not support ${api} \\(API ${key}\\); it needs a cluster-mode Gregor or Kafka 2\\.4\\+\\n$`,
  );

test('cluster describe shows the one broker as the controller, as a table and as JSON', async () => {
  let r = await gregor('cluster', 'describe');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Cluster ID:\s+\S+$/m);
  assert.match(r.stdout, /^Controller:\s+1$/m);
  assert.match(r.stdout, /^Brokers:\s+1$/m);
  const rows = lines(r.stdout.slice(r.stdout.indexOf('ID  ')));
  assert.deepEqual(rows.map(cells), [
    ['ID', 'ADDRESS', 'RACK', 'CONTROLLER'],
    ['1', broker.bootstrap, '-', 'yes'],
  ]);
  const clusterId = /^Cluster ID:\s+(\S+)$/m.exec(r.stdout)![1];

  r = await gregor('cluster', 'describe', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    clusterId,
    controllerId: 1,
    brokers: [{ id: 1, host: '127.0.0.1', port: broker.port, rack: null, controller: true }],
  });
});

test('topic create --replica-assignment places the partitions; bad assignments are refused', async () => {
  let r = await gregor('topic', 'create', 'placed', '--replica-assignment', '1,1,1');
  assert.equal(r.code, 0, r.stderr);
  r = await gregor('topic', 'describe', 'placed', '--json');
  assert.equal(r.code, 0, r.stderr);
  const [placed] = JSON.parse(r.stdout).topics;
  assert.deepEqual(
    placed.partitions.map((p: { partition: number; replicas: number[]; isr: number[] }) => [
      p.partition,
      p.replicas,
      p.isr,
    ]),
    [0, 1, 2].map((p) => [p, [1], [1]]),
  );

  const usage: [string[], RegExp][] = [
    [['--replica-assignment', '1:1'], /partition 0 lists a broker more than once \(1:1\)/],
    [['--replica-assignment', '1,1:2'], /partition 1 has 2 replica\(s\), partition 0 has 1/],
    [['--replica-assignment', '1,x'], /partition 1 \('x'\) must be broker ids separated by ':'/],
    [['--replica-assignment', '1', '--partitions', '1'], /excludes --partitions and --replication-factor/],
    [['--replica-assignment', '1', '--replication-factor', '1'], /excludes --partitions and --replication-factor/],
  ];
  for (const [args, message] of usage) {
    r = await gregor('topic', 'create', 'refused', ...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  // Well formed, but broker 7 is not in the cluster: the broker refuses it.
  r = await gregor('topic', 'create', 'refused', '--replica-assignment', '1,7');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /INVALID_REPLICA_ASSIGNMENT/);
  r = await gregor('topic', 'list', '--names');
  assert.ok(!lines(r.stdout).includes('refused'));
});

test('topic describe without a name lists every partition; the health filters find nothing on a healthy broker, min-ISR filters follow the topic config', async () => {
  let r = await gregor('topic', 'create', 'healthy', '--partitions', '2');
  assert.equal(r.code, 0, r.stderr);
  r = await gregor('topic', 'describe');
  assert.equal(r.code, 0, r.stderr);
  const rows = lines(r.stdout).map(cells);
  assert.deepEqual(rows[0], ['TOPIC', 'PARTITION', 'LEADER', 'EPOCH', 'REPLICAS', 'ISR', 'OFFLINE', 'STATUS']);
  const healthy = rows.filter((row) => row[0] === 'healthy');
  assert.deepEqual(
    healthy.map((row) => [row[1], row[2], row[4], row[5], row[6], row[7]]),
    [
      ['0', '1', '1', '1', '-', 'ok'],
      ['1', '1', '1', '1', '-', 'ok'],
    ],
  );

  for (const filter of ['--under-replicated-partitions', '--unavailable-partitions']) {
    r = await gregor('topic', 'describe', filter);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '', `${filter} printed partitions of a healthy broker`);
    r = await gregor('topic', 'describe', 'healthy', filter, '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { topics: [] });
  }

  // min.insync.replicas=2 with one replica: every partition is below it; at it with the default 1.
  r = await gregor('topic', 'create', 'strict', '--partitions', '2', '--config', 'min.insync.replicas=2');
  assert.equal(r.code, 0, r.stderr);
  r = await gregor('topic', 'describe', '--under-min-isr-partitions');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    lines(r.stdout)
      .slice(1)
      .map((l) => cells(l).slice(0, 2)),
    [
      ['strict', '0'],
      ['strict', '1'],
    ],
  );
  r = await gregor('topic', 'describe', 'healthy', '--at-min-isr-partitions', '--json');
  assert.deepEqual(
    JSON.parse(r.stdout).topics.map((t: { topic: string; partitions: unknown[] }) => [t.topic, t.partitions.length]),
    [['healthy', 2]],
  );
  r = await gregor('topic', 'describe', 'strict', '--at-min-isr-partitions');
  assert.equal(r.stdout, '');

  r = await gregor('topic', 'describe', 'missing-topic', '--under-replicated-partitions');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /UNKNOWN_TOPIC_OR_PARTITION/);
});

test('elect-leaders: a broker without ElectLeaders is named plainly; bad flags and files are usage errors', async () => {
  await gregor('topic', 'create', 'elect', '--partitions', '1');
  const electionFile = file('elect.json', { partitions: [{ topic: 'elect', partition: 0 }] });
  for (const how of [
    ['--topic', 'elect', '--partition', '0'],
    ['--all-topic-partitions'],
    ['--path-to-json-file', electionFile],
  ]) {
    const r = await gregor('cluster', 'elect-leaders', '--election-type', 'PREFERRED', ...how);
    assert.equal(r.code, 1, how.join(' '));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, NEEDS_CLUSTER('ElectLeaders', 43));
  }

  const usage: [string[], RegExp][] = [
    [['--all-topic-partitions'], /needs --election-type preferred\|unclean/],
    [['--election-type', 'fair', '--all-topic-partitions'], /must be preferred or unclean, got 'fair'/],
    [['--election-type', 'preferred'], /exactly one of --topic T --partition P, --all-topic-partitions/],
    [['--election-type', 'preferred', '--all-topic-partitions', '--path-to-json-file', electionFile], /exactly one/],
    [['--election-type', 'preferred', '--topic', 'elect'], /--topic and --partition go together/],
    [['--election-type', 'preferred', '--path-to-json-file', join(dir, 'absent.json')], /cannot read .*ENOENT/],
    [['--election-type', 'preferred', '--path-to-json-file', file('e1.json', '{"partitions": [')], /is not valid JSON/],
    [
      ['--election-type', 'preferred', '--path-to-json-file', file('e2.json', { partitions: [] })],
      /"partitions" is empty/,
    ],
    [
      ['--election-type', 'preferred', '--path-to-json-file', file('e3.json', { partitions: [{ topic: 'elect' }] })],
      /partitions\[0\]: "partition" must be a non-negative integer/,
    ],
    [
      [
        '--election-type',
        'preferred',
        '--path-to-json-file',
        file('e4.json', {
          partitions: [
            { topic: 'elect', partition: 0 },
            { topic: 'elect', partition: 0 },
          ],
        }),
      ],
      /partition elect-0 appears more than once/,
    ],
  ];
  for (const [args, message] of usage) {
    const r = await gregor('cluster', 'elect-leaders', ...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test('reassign: a broker without reassignments is named plainly; bad flags and files are usage errors', async () => {
  await gregor('topic', 'create', 'moving', '--partitions', '2');
  const plan = file('plan.json', {
    version: 1,
    partitions: [{ topic: 'moving', partition: 0, replicas: [1], log_dirs: ['any'] }],
  });
  for (const action of ['--execute', '--verify', '--cancel']) {
    const r = await gregor('cluster', 'reassign', action, '--reassignment-json-file', plan);
    assert.equal(r.code, 1, action);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, NEEDS_CLUSTER('ListPartitionReassignments', 46));
  }
  let r = await gregor('cluster', 'reassign', '--list');
  assert.equal(r.code, 1);
  assert.match(r.stderr, NEEDS_CLUSTER('ListPartitionReassignments', 46));

  const entry = (e: Record<string, unknown>) => ({ version: 1, partitions: [{ topic: 'moving', partition: 0, ...e }] });
  const usage: [string[], RegExp][] = [
    [[], /exactly one of --execute, --verify, --cancel, --list or --generate/],
    [['--execute', '--verify', '--reassignment-json-file', plan], /exactly one of/],
    [['--execute'], /--execute needs --reassignment-json-file FILE/],
    [['--list', '--reassignment-json-file', plan], /--reassignment-json-file does not go with --list/],
    [['--verify', '--additional', '--reassignment-json-file', plan], /--additional goes only with --execute/],
    [['--execute', '--reassignment-json-file', plan, '--broker-list', '1'], /go only with --generate/],
    [['--generate', '--broker-list', '1'], /--generate needs --topics-to-move-json-file FILE and --broker-list/],
    [['--execute', '--reassignment-json-file', file('r1.json', 'not json')], /is not valid JSON/],
    [
      ['--execute', '--reassignment-json-file', file('r2.json', { version: 2, partitions: [] })],
      /unsupported version 2/,
    ],
    [['--execute', '--reassignment-json-file', file('r3.json', { topics: [] })], /expected \{"version":1,"partitions"/],
    [
      ['--execute', '--reassignment-json-file', file('r4.json', entry({ replicas: [] }))],
      /non-empty list of broker ids/,
    ],
    [['--execute', '--reassignment-json-file', file('r5.json', entry({ replicas: [1, 1] }))], /more than once \(1,1\)/],
    [
      ['--execute', '--reassignment-json-file', file('r6.json', entry({ replicas: [1], log_dirs: ['/data/a'] }))],
      /between log directories is not supported/,
    ],
    [
      ['--execute', '--reassignment-json-file', file('r7.json', entry({ replicas: [1], log_dirs: ['any', 'any'] }))],
      /"log_dirs" must have one entry per replica/,
    ],
    [['--verify', '--reassignment-json-file', join(dir, 'absent.json')], /cannot read .*ENOENT/],
    [
      [
        '--generate',
        '--topics-to-move-json-file',
        file('m1.json', { version: 1, topics: [{ name: 'x' }] }),
        '--broker-list',
        '1',
      ],
      /topics\[0\]: "topic" must be a non-empty string/,
    ],
    [
      [
        '--generate',
        '--topics-to-move-json-file',
        file('m2.json', { version: 1, topics: [{ topic: 'moving' }] }),
        '--broker-list',
        '1,a',
      ],
      /--broker-list expects broker ids like 1,2,3, got '1,a'/,
    ],
  ];
  for (const [args, message] of usage) {
    r = await gregor('cluster', 'reassign', ...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test('reassign --generate proposes a plan on the given brokers, in the format --execute reads', async () => {
  await gregor('topic', 'create', 'to-move', '--partitions', '3');
  const topics = file('move.json', { version: 1, topics: [{ topic: 'to-move' }] });
  let r = await gregor('cluster', 'reassign', '--generate', '--topics-to-move-json-file', topics, '--broker-list', '1');
  assert.equal(r.code, 0, r.stderr);
  const out = lines(r.stdout);
  assert.equal(out[0], 'Current partition replica assignment');
  assert.equal(out[3], 'Proposed partition reassignment configuration');
  const expected = {
    version: 1,
    partitions: [0, 1, 2].map((partition) => ({ topic: 'to-move', partition, replicas: [1], log_dirs: ['any'] })),
  };
  assert.deepEqual(JSON.parse(out[1]!), expected);
  assert.deepEqual(JSON.parse(out[4]!), expected);

  r = await gregor('cluster', 'reassign', '--generate', '--topics-to-move-json-file', topics, '--broker-list', '1,4');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /unknown broker id\(s\): 4 \(brokers: 1\)/);
  const missing = file('missing.json', { version: 1, topics: [{ topic: 'no-such-topic' }] });
  r = await gregor('cluster', 'reassign', '--generate', '--topics-to-move-json-file', missing, '--broker-list', '1');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /topic\(s\) not found: no-such-topic/);
});
