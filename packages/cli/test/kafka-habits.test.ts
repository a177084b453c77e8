/**
 * Kafka's and kcat's spellings: --topic, --property formatter/reader settings, -X and
 * --*-property client properties (the 1 MiB request cap lifted for a topic that allows more),
 * --command-config, --exit-at-end, kcat format strings, relative offsets and ISO timestamps.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestBroker, type TestBroker } from '@gregor/broker/testing';
import { lines, runCli } from './support/run-cli.js';

let broker: TestBroker;
const gregor = (args: string[], input?: string | Buffer) => runCli(args, input === undefined ? {} : { input });

before(async () => {
  broker = await startTestBroker();
});
after(async () => {
  await broker?.stop();
});

test('--topic and --bootstrap-server after the command; console-producer and console-consumer --property settings', async () => {
  const b = ['--bootstrap-server', broker.bootstrap];
  assert.equal((await gregor(['topic', 'create', 'habits', '--partitions', '1', ...b])).code, 0);
  const input = 'trace:abc,v:1|k1;v1\n|k2;NULL\nv:2|NULL;v3\n';
  let r = await gregor(
    [
      ...['produce', '--topic', 'habits', ...b],
      ...['--property', 'parse.key=true', '--property', 'key.separator=;'],
      ...['--property', 'parse.headers=true', '--property', 'headers.delimiter=|', '--property', 'null.marker=NULL'],
    ],
    input,
  );
  assert.equal(r.code, 0, r.stderr);

  r = await gregor([
    ...['consume', '--topic', 'habits', '--from-beginning', '--max-messages', '3', ...b],
    ...['--property', 'print.key=true', '--property', 'print.offset=true', '--property', 'print.headers=true'],
    ...[
      '--property',
      'key.separator= | ',
      '--property',
      'headers.separator=&',
      '--property',
      'headers.key.separator==',
    ],
    ...['--property', 'null.literal=<null>', '--property', 'line.separator=;\n'],
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    [
      'Offset:0 | trace=abc&v=1 | k1 | v1;',
      'Offset:1 | NO_HEADERS | k2 | <null>;',
      'Offset:2 | v=2 | <null> | v3;',
      '',
    ].join('\n'),
  );
  r = await gregor([
    'consume',
    'habits',
    '--from-beginning',
    '-e',
    ...b,
    '--property',
    'print.value=false',
    '--print-key',
  ]);
  assert.deepEqual(lines(r.stdout), ['k1', 'k2', 'null']);

  for (const [args, message] of [
    [
      ['consume', 'habits', '--property', 'print.colour=true'],
      /unknown --property 'print\.colour' \(supported: print\.timestamp/,
    ],
    [['produce', 'habits', '--property', 'parse.key=yes'], /--property parse\.key expects true or false, got 'yes'/],
    [['consume', 'habits', 'other', '--topic', 'x'], /too many arguments|two topics/],
    [['consume'], /missing the topic \(an argument, or --topic\)/],
  ] as const) {
    r = await gregor([...args, ...b]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test('-X max.request.size lifts the 1 MiB cap: a 2 MiB record goes to a topic with max.message.bytes=4194304', async () => {
  const b = ['--bootstrap-server', broker.bootstrap];
  assert.equal(
    (await gregor(['topic', 'create', 'big', '--partitions', '1', '--config', 'max.message.bytes=4194304', ...b])).code,
    0,
  );
  const value = `${'v'.repeat(2 * 1024 * 1024)}\n`;
  let r = await gregor(['produce', 'big', ...b], value);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /exceeds maxRequestSize \(1048576\)/);
  r = await gregor(['produce', 'big', ...b, '-X', 'max.request.size=4194304'], value);
  assert.equal(r.code, 0, r.stderr);
  // librdkafka's name for the same limit, given as --producer-property.
  r = await gregor(['produce', 'big', ...b, '--producer-property', 'message.max.bytes=4194304'], value);
  assert.equal(r.code, 0, r.stderr);
  r = await gregor(['consume', 'big', ...b, '-o', 'beginning', '-e', '-f', '%o %S\n']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(r.stdout), ['0 2097152', '1 2097152']);
});

test('client properties: --command-config supplies the broker, unknown names are refused, other roles warned about', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-props-'));
  const file = join(dir, 'client.properties');
  writeFileSync(
    file,
    `# as for kafka-console-consumer --command-config\nbootstrap.servers=${broker.bootstrap}\nclient.id=habits-test\n`,
  );
  let r = await gregor(['--command-config', file, 'topic', 'list', '--names']);
  assert.equal(r.code, 0, r.stderr);
  r = await gregor(['consume', 'big', '--consumer.config', file, '-o', '-1', '-e', '-f', '%o\n', '-X', 'linger.ms=5']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(r.stdout), ['1']);
  assert.match(
    r.stderr,
    /warning: client property linger\.ms ignored \(a producer setting; this command is a consumer\)/,
  );
  for (const [args, message] of [
    [['-X', 'fetch.max.bytez=1', 'consume', 'big'], /unknown client property 'fetch\.max\.bytez'/],
    [
      ['consume', 'big', '--consumer-property', 'max.poll.records=many'],
      /max\.poll\.records: expected a non-negative integer, got 'many'/,
    ],
    [['produce', 'big', '-X', 'security.protocol=SASL_SSL'], /security\.protocol is not supported/],
    [['--command-config', join(dir, 'missing'), 'topic', 'list'], /cannot read config file .*missing: ENOENT/],
  ] as const) {
    r = await gregor(['--bootstrap-server', broker.bootstrap, ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test('--exit-at-end, kcat format tokens, relative offsets and ISO timestamps', async () => {
  const b = ['--bootstrap-server', broker.bootstrap];
  assert.equal((await gregor(['topic', 'create', 'fmt', '--partitions', '2', ...b])).code, 0);
  const t0 = Date.parse('2024-05-01T12:00:00Z');
  const input = [0, 1, 2, 3, 4, 5]
    .map((i) =>
      JSON.stringify({
        key: `k${i}`,
        value: `v${i}`,
        partition: i % 2,
        timestamp: t0 + i * 60_000,
        headers: { n: `${i}` },
      }),
    )
    .join('\n');
  assert.equal((await gregor(['produce', 'fmt', '--json', ...b], input)).code, 0);

  // Every kcat token; %R is the value length as a big-endian int32.
  let r = await gregor([
    'consume',
    'fmt',
    ...b,
    '-p',
    '0',
    '-o',
    '0',
    '-c',
    '1',
    '-f',
    '%t|%p|%o|%k|%s|%h|%T|%S|%K|%R|100%%\\n',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    r.stdoutBytes,
    Buffer.concat([Buffer.from(`fmt|0|0|k0|v0|n=0|${t0}|2|2|`), Buffer.from([0, 0, 0, 2]), Buffer.from('|100%\n')]),
  );

  // -e stops at the end of both partitions without a timeout; -2 / end-1 count back from each end.
  r = await gregor(['consume', 'fmt', ...b, '--from-beginning', '-e', '-f', '%s\n']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(r.stdout).sort(), ['v0', 'v1', 'v2', 'v3', 'v4', 'v5']);
  assert.match(r.stderr, /Processed a total of 6 messages/);
  r = await gregor(['consume', 'fmt', ...b, '--offset', '-2', '-e', '-f', '%s\n']);
  assert.deepEqual(lines(r.stdout).sort(), ['v2', 'v3', 'v4', 'v5']);
  r = await gregor(['consume', 'fmt', ...b, '--offset', 'end-1', '--partition', '1', '-e', '-f', '%s\n']);
  assert.deepEqual(lines(r.stdout), ['v5']);
  r = await gregor(['consume', 'fmt', ...b, '--offset', '-10', '-p', '0', '-e', '-f', '%s\n']);
  assert.deepEqual(lines(r.stdout), ['v0', 'v2', 'v4'], 'never before the log start');

  // An ISO date, and the same instant in epoch ms.
  r = await gregor(['consume', 'fmt', ...b, '--from-timestamp', '2024-05-01T12:03:00Z', '-e', '-f', '%s\n']);
  assert.deepEqual(lines(r.stdout).sort(), ['v3', 'v4', 'v5']);
  r = await gregor(['consume', 'fmt', ...b, '--from-timestamp', String(t0 + 180_000), '-e', '-f', '%s\n']);
  assert.deepEqual(lines(r.stdout).sort(), ['v3', 'v4', 'v5']);

  for (const [args, message] of [
    [['--offset', 'end+3'], /--offset expects N, beginning, end, -N, end-N or beginning\+N/],
    [['--offset', '3'], /--offset N needs --partition/],
    [['--from-timestamp', 'yesterday'], /--from-timestamp expects epoch milliseconds or an ISO 8601 date/],
    [['-f', '%k %z'], /--format: unknown token '%z'/],
    [['--value-format', 'hex'], /--value-format applies to --format json only/],
  ] as const) {
    r = await gregor(['consume', 'fmt', ...b, ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});
