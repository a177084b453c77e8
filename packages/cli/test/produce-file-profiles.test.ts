/**
 * `produce --file` with length-prefixed or delimited binary records, and saved connection
 * profiles (create/use/list/show/delete) with their precedence: flag > environment > profile.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestBroker, type TestBroker } from '@gregor/broker/testing';
import { freePort, lines, runCli } from './support/run-cli.js';

let broker: TestBroker;
const dir = mkdtempSync(join(tmpdir(), 'gregor-file-'));

before(async () => {
  broker = await startTestBroker();
});
after(async () => {
  await broker?.stop();
});

function lengthPrefixed(records: (Buffer | null)[]): Buffer {
  return Buffer.concat(
    records.flatMap((r) => {
      const length = Buffer.alloc(4);
      length.writeInt32BE(r === null ? -1 : r.length);
      return r === null ? [length] : [length, r];
    }),
  );
}

test('produce --file: length-prefixed records (binary, empty, null) and a NUL delimiter', async () => {
  const b = ['--bootstrap-server', broker.bootstrap];
  assert.equal((await runCli(['topic', 'create', 'files', '--partitions', '1', ...b])).code, 0);
  const binary = Buffer.from([0x0a, 0x00, 0xff, 0x0d, 0x0a]); // newlines inside a record are data here
  const file = join(dir, 'records.bin');
  writeFileSync(file, lengthPrefixed([binary, Buffer.alloc(0), null]));
  let r = await runCli(['produce', 'files', ...b, '--file', file, '--length-prefixed']);
  assert.equal(r.code, 0, r.stderr);
  // %R%s writes the same framing back: the consumed bytes equal the file.
  r = await runCli(['consume', 'files', ...b, '--from-beginning', '-e', '-f', '%R%s']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdoutBytes, lengthPrefixed([binary, Buffer.alloc(0), null]));

  const delimited = join(dir, 'records.nul');
  writeFileSync(delimited, Buffer.concat([Buffer.from('k\xff:a\nb'), Buffer.of(0), Buffer.from('k2:c'), Buffer.of(0)]));
  r = await runCli(['produce', 'files', ...b, '--file', delimited, '--delimiter', '\\0', '--key-separator', ':']);
  assert.equal(r.code, 0, r.stderr);
  r = await runCli(['consume', 'files', ...b, '-o', '3', '-p', '0', '-e', '-f', '%k=%s|']);
  assert.deepEqual(r.stdoutBytes, Buffer.from('k\xff=a\nb|k2=c|'));

  // A file cut inside a record: an error naming it, and the records before it are kept.
  writeFileSync(file, Buffer.concat([lengthPrefixed([Buffer.from('whole')]), Buffer.from([0, 0, 0, 9, 0x41])]));
  r = await runCli(['produce', 'files', ...b, '--file', file, '--length-prefixed']);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /gregor: error: record 2 \(byte 9\): input ends inside a length-prefixed record \(5 bytes left\)/,
  );
  r = await runCli(['consume', 'files', ...b, '-o', '-1', '-e']);
  assert.deepEqual(lines(r.stdout), ['whole']);
  r = await runCli(['produce', 'files', ...b, '--length-prefixed', '--delimiter', ',']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--length-prefixed and --delimiter exclude each other/);
});

test('profiles: create, use, list, show, delete; a flag beats the environment, which beats the profile', async () => {
  const config = join(dir, 'profiles', 'config.json');
  const env = { GREGOR_CONFIG: config };
  const dead = `127.0.0.1:${await freePort()}`;
  let r = await runCli(['profile', 'create', 'local', '--bootstrap-server', broker.bootstrap, '-X', 'client.id=me'], {
    env,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal((statSync(config).mode & 0o777).toString(8), '600');
  r = await runCli(['profile', 'create', 'down', '--bootstrap-server', dead], { env });
  assert.equal(r.code, 0, r.stderr);
  r = await runCli(['profile', 'list'], { env });
  assert.deepEqual(
    lines(r.stdout).map((l) => l.split(/\s+/)),
    [
      ['NAME', 'CURRENT', 'BOOTSTRAP-SERVERS', 'PROPERTIES'],
      ['down', '*', dead, '0'],
      ['local', broker.bootstrap, '1'],
    ],
  );

  // The current profile ('down') is used without flags; the environment and the flag override it.
  r = await runCli(['topic', 'list'], { env });
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`cannot reach broker at ${dead}`));
  r = await runCli(['topic', 'list', '--names'], { env: { ...env, GREGOR_BOOTSTRAP_SERVER: broker.bootstrap } });
  assert.equal(r.code, 0, r.stderr);
  r = await runCli(['--bootstrap-server', dead, 'topic', 'list'], { env: { ...env, GREGOR_PROFILE: 'local' } });
  assert.match(r.stderr, new RegExp(`cannot reach broker at ${dead}`));

  r = await runCli(['profile', 'use', 'local'], { env });
  assert.equal(r.code, 0, r.stderr);
  r = await runCli(['topic', 'create', 'from-profile', '--partitions', '1'], { env });
  assert.equal(r.code, 0, r.stderr);
  r = await runCli(['profile', 'show'], { env });
  assert.match(r.stdout, /^Profile:\s+local$/m);
  assert.match(r.stdout, new RegExp(`^Bootstrap servers:\\s+${broker.bootstrap}$`, 'm'));
  assert.match(r.stdout, /^ {2}client\.id=me$/m);

  r = await runCli(['profile', 'delete', 'local'], { env });
  assert.equal(r.code, 0, r.stderr);
  const saved = JSON.parse(readFileSync(config, 'utf8')) as { current?: string; profiles: Record<string, unknown> };
  assert.equal(saved.current, undefined);
  assert.deepEqual(Object.keys(saved.profiles), ['down']);
  for (const [args, message, code] of [
    [['profile', 'use', 'nope'], /no profile named 'nope' \(profiles: down\)/, 1],
    [['profile', 'create', 'down'], /profile 'down' already exists/, 1],
    [['profile', 'create', 'bad', '-X', 'no.such=1'], /unknown client property 'no\.such'/, 2],
    [['--profile', 'nope', 'topic', 'list'], /no profile named 'nope'/, 2],
  ] as const) {
    r = await runCli(args, { env });
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.deepEqual(readdirSync(join(dir, 'profiles')), ['config.json'], 'no temporary file left behind');
});
