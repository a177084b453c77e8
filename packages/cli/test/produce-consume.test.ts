/** `gregor produce` and `gregor consume` through pipes, with the real binary against a test broker. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestBroker, type TestBroker } from '@gregor/broker/testing';
import { lines, runCli } from './support/run-cli.js';

let broker: TestBroker;
let gregor: (args: string[], input?: string) => ReturnType<typeof runCli>;
before(async () => {
  broker = await startTestBroker();
  gregor = (args, input) =>
    runCli(['--bootstrap-server', broker.bootstrap, ...args], input === undefined ? {} : { input });
});
after(async () => {
  await broker?.stop();
});

test('lines with keys and headers go in; consume prints them back and stops at --max-messages', async () => {
  assert.equal((await gregor(['topic', 'create', 'keyed', '--partitions', '1'])).code, 0);
  const input = ['user-1:{"total":42}', 'user-2:second:with:colons', 'user-3:'].join('\n') + '\n';
  let r = await gregor(
    ['produce', 'keyed', '--key-separator', ':', '--header', 'source=cli', '--header', 'v=2'],
    input,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');

  r = await gregor(['consume', 'keyed', '--from-beginning', '--max-messages', '2', '--print-key']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(r.stdout), ['user-1\t{"total":42}', 'user-2\tsecond:with:colons']);
  assert.match(r.stderr, /Processed a total of 2 messages/);

  r = await gregor([
    ...['consume', 'keyed', '--from-beginning', '--max-messages', '3'],
    ...['--print-partition', '--print-offset', '--print-headers', '--print-key', '--key-separator', '|'],
  ]);
  assert.deepEqual(lines(r.stdout), [
    'Partition:0|Offset:0|source:cli,v:2|user-1|{"total":42}',
    'Partition:0|Offset:1|source:cli,v:2|user-2|second:with:colons',
    'Partition:0|Offset:2|source:cli,v:2|user-3|',
  ]);

  r = await gregor([
    'consume',
    'keyed',
    '--partition',
    '0',
    '--offset',
    '1',
    '--max-messages',
    '1',
    '--format',
    'json',
  ]);
  const record = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.equal(record.offset, 1);
  assert.equal(record.key, 'user-2');
  assert.equal(record.value, 'second:with:colons');
  assert.equal(record.encoding, 'utf8');
  assert.deepEqual(record.headers, [
    { key: 'source', value: 'cli' },
    { key: 'v', value: '2' },
  ]);
  assert.equal(typeof record.timestamp, 'number');
});

test('Kafka console-producer properties parse.key and key.separator are accepted', async () => {
  const r = await gregor(
    ['produce', 'props', '--property', 'parse.key=true', '--property', 'key.separator=;'],
    'a;1\nb;2\n',
  );
  assert.equal(r.code, 0, r.stderr);
  const c = await gregor(['consume', 'props', '--from-beginning', '--max-messages', '2', '--print-key']);
  assert.deepEqual(lines(c.stdout).sort(), ['a\t1', 'b\t2']);
});

test('--json input: key, value, headers, partition; null values; printed back as JSON', async () => {
  assert.equal((await gregor(['topic', 'create', 'json-in', '--partitions', '3'])).code, 0);
  const input = [
    JSON.stringify({ key: 'k1', value: 'v1', headers: { trace: 'abc' }, partition: 2 }),
    '',
    JSON.stringify({ key: 'k2', value: null, partition: 2 }),
    JSON.stringify({ value: { nested: true }, headers: [{ key: 'h', value: 'x' }], partition: 1 }),
  ].join('\n');
  let r = await gregor(['produce', 'json-in', '--json'], input);
  assert.equal(r.code, 0, r.stderr);
  r = await gregor([
    'consume',
    'json-in',
    '--partition',
    '2',
    '--offset',
    'earliest',
    '--max-messages',
    '2',
    '--format',
    'json',
  ]);
  const got = lines(r.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(
    got.map((g) => [g.partition, g.offset, g.key, g.value, g.headers]),
    [
      [2, 0, 'k1', 'v1', [{ key: 'trace', value: 'abc' }]],
      [2, 1, 'k2', null, []],
    ],
  );
  r = await gregor([
    'consume',
    'json-in',
    '--partition',
    '1',
    '--offset',
    '0',
    '--max-messages',
    '1',
    '--print-headers',
  ]);
  assert.deepEqual(lines(r.stdout), ['h:x\t{"nested":true}']);

  r = await gregor(['produce', 'json-in', '--json'], '{"value":"ok"}\nnot json\n');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /gregor: error: line 2: not JSON/);
  r = await gregor(['produce', 'json-in', '--json'], '{"value":"x","partiton":1}\n');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /line 1: unknown field "partiton"/);
});

test('a line without the key separator fails with its line number', async () => {
  const r = await gregor(['produce', 'keyed', '--key-separator', ':'], 'a:1\nno separator here\n');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /gregor: error: line 2: no key separator ':' found/);
});

test('--file, --from-timestamp and --timeout-ms', async () => {
  assert.equal((await gregor(['topic', 'create', 'timed', '--partitions', '2'])).code, 0);
  const dir = mkdtempSync(join(tmpdir(), 'gregor-cli-'));
  const file = join(dir, 'in.txt');
  const t0 = Date.now();
  writeFileSync(
    file,
    [0, 1, 2, 3].map((i) => JSON.stringify({ value: `old-${i}`, timestamp: t0 - 60_000 + i })).join('\n'),
  );
  assert.equal((await gregor(['produce', 'timed', '--json', '--file', file])).code, 0);
  writeFileSync(file, 'new-0\nnew-1\n');
  assert.equal((await gregor(['produce', 'timed', '--file', file])).code, 0);

  const r = await gregor(['consume', 'timed', '--from-timestamp', String(t0 - 1000), '--timeout-ms', '1500']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(r.stdout).sort(), ['new-0', 'new-1']);
  assert.match(r.stderr, /Processed a total of 2 messages/);

  const missing = await gregor(['produce', 'timed', '--file', join(dir, 'missing.txt')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read .*missing\.txt/);
});

test('consume with no records and --timeout-ms ends cleanly; an unknown topic is an error', async () => {
  assert.equal((await gregor(['topic', 'create', 'empty', '--partitions', '1'])).code, 0);
  let r = await gregor(['consume', 'empty', '--from-beginning', '--timeout-ms', '500']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  r = await gregor(['consume', 'no-such-topic', '--timeout-ms', '500']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /gregor: error: no-such-topic.*UNKNOWN_TOPIC_OR_PARTITION/);
});

test('consume options that exclude each other are usage errors (exit 2)', async () => {
  for (const [args, message] of [
    [['--offset', '5'], /--offset N needs --partition/],
    [['--offset', '5', '--partition', '0', '--from-beginning'], /exclude each other/],
    [['--group', 'g', '--partition', '0'], /--group cannot be combined/],
    [['--format', 'xml'], /--format expects text, json or a format string with %-tokens, got 'xml'/],
    [['--max-messages', 'many'], /expected an integer, got 'many'/],
  ] as const) {
    const r = await gregor(['consume', 'keyed', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});
