/** `gregor start` runs the broker through `npm start`'s own entry: config flags, errors, shutdown. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { newDataDir } from '@gregor/broker/testing';
import { BIN, runCli } from './support/run-cli.js';

test('gregor start serves clients and stops cleanly on SIGTERM', async () => {
  const dataDir = newDataDir();
  const child = spawn(
    process.execPath,
    [BIN, 'start', '--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--override', `log.dirs=${dataDir}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    const listener = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const entry = JSON.parse(line) as { msg?: string; listener?: string };
        if (entry.msg === 'broker started' && entry.listener) resolve(entry.listener);
      });
      void exited.then((code) => reject(new Error(`broker exited with ${code}`)));
    });
    const r = await runCli(['--bootstrap-server', listener, 'topic', 'create', 'started', '--partitions', '2']);
    assert.equal(r.code, 0, r.stderr);
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('gregor start reports bad config as the broker does (exit 2) and --help lists the settings', async () => {
  let r = await runCli(['start', '--override', 'num.partitions=zero', '--override', 'log.dirs=/nonexistent/x']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /num\.partitions/);
  r = await runCli(['start', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--override KEY=VALUE/);
  assert.match(r.stdout, /log\.retention\.ms/);
});
