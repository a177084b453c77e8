/**
 * Bytes pass through `gregor produce` and `gregor consume` unchanged (checked against kcat on the
 * other side), JSON output names its encoding, and a closed stdout (`| head`) ends a command
 * quietly with exit code 0 and an honest count.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestBroker, type TestBroker } from '@gregor/broker/testing';
import { lines, runCli, runKcat, runShell } from './support/run-cli.js';

let broker: TestBroker;
const gregor = (args: string[], input?: string | Buffer) =>
  runCli(['--bootstrap-server', broker.bootstrap, ...args], input === undefined ? {} : { input });
const kcat = (args: string[], input?: Buffer) =>
  runKcat(['-b', broker.bootstrap, '-q', ...args], input === undefined ? {} : { input });

before(async () => {
  broker = await startTestBroker();
});
after(async () => {
  await broker?.stop();
});

// Bytes that are not UTF-8 (0xff 0xfe), a NUL, a carriage return and a lone continuation byte.
const BINARY_VALUE = Buffer.from([0xff, 0xfe, 0x00, 0x72, 0x61, 0x77, 0x0d, 0x80]);

test('kcat → gregor consume and gregor produce → kcat: keys, values and headers byte for byte', async () => {
  assert.equal((await gregor(['topic', 'create', 'bin-in', '--partitions', '1'])).code, 0);
  const input = Buffer.concat([Buffer.from('bk:'), BINARY_VALUE, Buffer.from('\n')]);
  let k = await kcat(['-P', '-t', 'bin-in', '-K:', '-H', 'h=\xff'], input);
  assert.equal(k.code, 0, k.stderr);

  // Kafka's layout and a kcat format string both print the stored bytes; kcat agrees.
  const expected = (await kcat(['-C', '-t', 'bin-in', '-e', '-f', '%k:%s\n'])).stdoutBytes;
  assert.deepEqual(expected, input);
  let r = await gregor(['consume', 'bin-in', '--from-beginning', '-e', '--print-key', '--key-separator', ':']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdoutBytes, input);
  r = await gregor(['consume', 'bin-in', '-o', 'beginning', '-e', '-f', '%h|%k:%s\n']);
  assert.deepEqual(r.stdoutBytes, Buffer.concat([Buffer.from('h=\xff|'), input]));

  // JSON: UTF-8 is asked for but the value is not UTF-8, so the record falls back to base64 and says so.
  r = await gregor(['consume', 'bin-in', '--from-beginning', '-e', '--format', 'json']);
  const record = JSON.parse(r.stdout) as { encoding: string; key: string; value: string };
  assert.equal(record.encoding, 'base64');
  assert.deepEqual(Buffer.from(record.value, 'base64'), BINARY_VALUE);
  assert.deepEqual(Buffer.from(record.key, 'base64'), Buffer.from('bk'));
  r = await gregor(['consume', 'bin-in', '--from-beginning', '-e', '--format', 'json', '--value-format', 'hex']);
  const hex = JSON.parse(r.stdout) as { encoding: string; value: string; headers: { key: string; value: string }[] };
  assert.equal(hex.encoding, 'hex');
  assert.equal(hex.value, BINARY_VALUE.toString('hex'));
  assert.deepEqual(hex.headers, [{ key: 'h', value: Buffer.from('\xff').toString('hex') }]);

  // gregor produce: binary lines (CR and NUL included) arrive as sent, read back by kcat.
  const lines2 = Buffer.concat([input, Buffer.from('k2:'), Buffer.from([0x00, 0x0d, 0xc3]), Buffer.from('\n')]);
  r = await gregor(['produce', 'bin-out', '--key-separator', ':'], lines2);
  assert.equal(r.code, 0, r.stderr);
  k = await kcat(['-C', '-t', 'bin-out', '-e', '-f', '%k:%s\n']);
  assert.deepEqual(k.stdoutBytes, lines2);

  // consume --format json | produce --json copies the records exactly, whatever their encoding.
  const json = (await gregor(['consume', 'bin-out', '--from-beginning', '-e', '--format', 'json'])).stdoutBytes;
  r = await gregor(['produce', 'bin-copy', '--json'], json);
  assert.equal(r.code, 0, r.stderr);
  k = await kcat(['-C', '-t', 'bin-copy', '-e', '-f', '%k:%s\n']);
  assert.deepEqual(k.stdoutBytes, lines2);
});

test('consume | head -1: exit 0, no error, and a count of what reached the pipe (not of everything read)', async () => {
  assert.equal((await gregor(['topic', 'create', 'many', '--partitions', '1'])).code, 0);
  // 600 KB, far beyond a pipe's 64 KiB buffer, so most of it cannot have been written when head exits.
  const total = 3000;
  const input = Array.from({ length: total }, (_, i) => `${String(i).padStart(6, '0')} ${'x'.repeat(193)}`).join('\n');
  assert.equal((await gregor(['produce', 'many'], `${input}\n`)).code, 0);
  const r = await runShell(
    `$GREGOR --bootstrap-server ${broker.bootstrap} consume many --from-beginning | head -1; echo "exit=\${PIPESTATUS[0]}" >&2`,
  );
  assert.deepEqual(lines(r.stdout), [`000000 ${'x'.repeat(193)}`]);
  const m = /^Processed a total of (\d+) messages\nexit=0\n$/.exec(r.stderr);
  assert.ok(m, `stderr: ${r.stderr}`);
  const count = Number(m[1]);
  assert.ok(count >= 1 && count < total, `count ${count}`);
});

test('any command: a closed stdout ends it quietly with exit 0 (a listing longer than the pipe)', async () => {
  // 3000 profiles make `profile list` print ~150 KB in one write, which head cuts short.
  const dir = mkdtempSync(join(tmpdir(), 'gregor-pipes-'));
  const config = join(dir, 'config.json');
  const profiles = Object.fromEntries(
    Array.from({ length: 3000 }, (_, i) => [`profile-${i}`, { bootstrapServers: '127.0.0.1:9092', properties: {} }]),
  );
  writeFileSync(config, JSON.stringify({ profiles }));
  const r = await runShell(`$GREGOR profile list | head -1; echo "exit=\${PIPESTATUS[0]}" >&2`, {
    env: { GREGOR_CONFIG: config },
  });
  assert.match(r.stdout, /^NAME\s+CURRENT\s+BOOTSTRAP-SERVERS\s+PROPERTIES\n$/);
  assert.equal(r.stderr, 'exit=0\n');
});
