/** Exit codes and messages: broker unreachable (1), bad arguments (2), help (0), colour rules. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort, runCli } from './support/run-cli.js';

test('a broker that is down: a readable message and exit code 1, for every kind of command', async () => {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  for (const args of [
    ['topic', 'list'],
    ['topic', 'create', 't', '--partitions', '1'],
    ['produce', 't'],
    ['consume', 't', '--timeout-ms', '100'],
    ['group', 'list'],
    ['cluster', 'describe'],
    ['perf', 'produce', '--topic', 't', '--num-records', '1', '--record-size', '1'],
  ]) {
    const r = await runCli(['--bootstrap-server', address, ...args], { input: 'x\n' });
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, `gregor: error: cannot reach broker at ${address}: connection refused\n`, args.join(' '));
    assert.equal(r.stdout, '');
  }
});

test('the default bootstrap server is 127.0.0.1:9092 and the environment variable overrides it', async () => {
  const port = await freePort();
  const r = await runCli(['topic', 'list'], { env: { GREGOR_BOOTSTRAP_SERVER: `127.0.0.1:${port}` } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`cannot reach broker at 127\\.0\\.0\\.1:${port}: connection refused`));
  const help = await runCli(['--help']);
  assert.match(
    help.stdout.replace(/\s+/g, ' '),
    /--bootstrap-server <host:port> .*\(default: "127\.0\.0\.1:9092", env: GREGOR_BOOTSTRAP_SERVER\)/,
  );
});

test('bad arguments exit with 2 and say what is wrong', async () => {
  for (const [args, message] of [
    [['nonsense'], /unknown command 'nonsense'/],
    [['topic', 'create'], /missing required argument 'name'/],
    [
      ['topic', 'create', 't', '--partitions', '0'],
      /option '--partitions <n>' argument '0' is invalid\. expected at least 1, got 0/,
    ],
    [['topic', 'create', 't', '--partitions', 'x'], /expected an integer, got 'x'/],
    [['topic', 'create', 't', '--config', 'novalue'], /expected key=value, got 'novalue'/],
    [['topic', 'list', '--bogus'], /unknown option '--bogus'/],
    [['--bootstrap-server', 'nohost', 'topic', 'list'], /expected host:port/],
    [['produce', 't', '--acks', '2'], /expected all, -1, 1 or 0, got '2'/],
    [['produce', 't', '--compression', 'brotli'], /expected one of none, gzip, snappy, lz4, zstd/],
    [['produce', 't', '--property', 'print.key=true'], /unsupported --property 'print\.key'/],
    [
      ['group', 'reset-offsets', 'g', '--to-earliest'],
      /reset-offsets needs --topic T\[:P,P…\] \(repeatable\) or --all-topics/,
    ],
  ] as const) {
    const r = await runCli(['--bootstrap-server', '127.0.0.1:1', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^gregor: error: /, args.join(' '));
    assert.match(r.stderr, message, args.join(' '));
  }
});

test('--help and --version exit 0; no command prints help and exits 2', async () => {
  let r = await runCli(['--help']);
  assert.equal(r.code, 0);
  for (const cmd of ['start', 'topic', 'produce', 'consume', 'group', 'cluster', 'perf'])
    assert.match(r.stdout, new RegExp(`^  ${cmd}\\b`, 'm'));
  r = await runCli(['consume', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--from-beginning/);
  assert.match(r.stdout, /--max-messages <n>/);
  r = await runCli(['--version']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
  r = await runCli([]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Usage: gregor/);
});

test('colour only when asked for on a non-terminal, never with NO_COLOR', async () => {
  const port = await freePort();
  const args = ['--bootstrap-server', `127.0.0.1:${port}`, 'topic', 'list'];
  let r = await runCli(args);
  assert.doesNotMatch(r.stderr, /\u001b\[/);
  r = await runCli(args, { env: { NO_COLOR: '', FORCE_COLOR: '1' } });
  assert.match(r.stderr, /\u001b\[31mgregor: error: cannot reach broker/);
  r = await runCli(args, { env: { NO_COLOR: '1', FORCE_COLOR: '1' } });
  assert.doesNotMatch(r.stderr, /\u001b\[/);
});
