/**
 * NetLab with real TCP servers inside the namespaces: who reaches whom before, during and after
 * a partition, isolation with and without the clients, loss, teardown leaving nothing behind,
 * and labs of crashed processes swept by the next lab. Needs root (skips with the reason
 * elsewhere; in CI it must run).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { NetLab, type LabNode, type ProbeResult } from '@gregor/testkit/netlab';

const unavailable = await NetLab.unavailable();
// CI installs what the lab needs, so there a missing piece fails the tests instead of skipping them.
const skip = process.env.CI ? false : (unavailable ?? false);

const PORT = 7000;
const ECHO_PORT = 7001;
// Answers every connection on PORT with the node's name, so a probe proves which node it reached;
// echoes whatever it receives on ECHO_PORT.
const NAME_SERVER = `
const net = require('node:net');
const [host, port, name, echoPort] = process.argv.slice(1);
net.createServer((s) => s.end(name)).listen(Number(port), host, () =>
  net.createServer((s) => s.pipe(s)).listen(Number(echoPort), host, () => console.log('listening')));
`;
// Keeps one connection to an echo server, writing a line every 100 ms and printing each echo.
const CHATTER = `
const net = require('node:net');
const [host, port] = process.argv.slice(1);
const socket = net.connect({ host, port: Number(port) });
let n = 0;
setInterval(() => socket.write(n++ + '\\n'), 100);
socket.on('data', (d) => d.toString().split('\\n').filter(Boolean).forEach((line) => console.log('echo', line)));
socket.on('error', (err) => { console.log('error', err.code); process.exit(1); });
`;

async function startNameServer(node: LabNode): Promise<ChildProcess> {
  const child = node.exec(process.execPath, ['-e', NAME_SERVER, node.ip, String(PORT), node.name, String(ECHO_PORT)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && resolve());
    child.once('exit', (code) => reject(new Error(`name server on ${node.name} exited (${code}): ${stderr}`)));
  });
  return child;
}

const reaches = (result: ProbeResult, name: string) =>
  assert.deepEqual(result, { outcome: 'connected', reply: name }, `expected to reach ${name}`);
const cut = (result: ProbeResult, what: string) =>
  assert.equal(result.outcome, 'timeout', `${what} should time out, got ${JSON.stringify(result)}`);

/** What `ip netns list` and `ip link` still show of lab `id`. */
function leftovers(id: string): string[] {
  const listed =
    execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }) +
    execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
  return listed.split('\n').filter((line) => line.includes(`gl-${id}`));
}

describe('NetLab', { skip }, () => {
  let lab: NetLab;
  let a: LabNode, b: LabNode, c: LabNode;
  const servers: ChildProcess[] = [];
  let rootServer: Server;
  let rootPort = 0;
  const fromRoot = (n: LabNode) => lab.probe(n.ip, PORT, { read: true });
  const between = (from: LabNode, to: LabNode) => from.probe(to.ip, PORT, { read: true });
  const toRoot = (from: LabNode) => from.probe(lab.clientIp, rootPort, { read: true });

  before(async () => {
    lab = await NetLab.create({ name: 'netlab-test' });
    [a, b, c] = [await lab.addNode('a'), await lab.addNode('b'), await lab.addNode('c')];
    for (const n of [a, b, c]) servers.push(await startNameServer(n));
    // A server in the root namespace on the bridge address, for node → client paths.
    rootServer = createServer((s) => s.end('root'));
    rootServer.listen(0, lab.clientIp);
    await once(rootServer, 'listening');
    rootPort = (rootServer.address() as AddressInfo).port;
  });

  after(async () => {
    for (const s of servers) s.kill('SIGKILL');
    rootServer?.close();
    await lab?.destroy();
  });

  test('the root namespace reaches every node, and every node reaches the others and the root', async () => {
    assert.match(lab.clientIp, /^10\.\d+\.\d+\.1$/);
    for (const n of [a, b, c]) reaches(await fromRoot(n), n.name);
    for (const [from, to] of [
      [a, b],
      [a, c],
      [b, a],
      [b, c],
      [c, a],
      [c, b],
    ] as const)
      reaches(await between(from, to), to.name);
    for (const n of [a, b, c]) reaches(await toRoot(n), 'root');
  });

  test('partition([a], [b, c]) cuts a from b and c both ways; the clients and b <-> c are untouched', async () => {
    await lab.partition(['a'], ['b', 'c']);
    cut(await between(a, b), 'a -> b');
    cut(await between(b, a), 'b -> a');
    cut(await between(a, c), 'a -> c');
    cut(await between(c, a), 'c -> a');
    reaches(await between(b, c), 'c');
    reaches(await between(c, b), 'b');
    for (const n of [a, b, c]) reaches(await fromRoot(n), n.name);
    reaches(await toRoot(a), 'root');
  });

  test('heal() restores every path', async () => {
    await lab.heal();
    reaches(await between(a, b), 'b');
    reaches(await between(b, a), 'a');
    reaches(await between(c, a), 'a');
    reaches(await fromRoot(a), 'a');
  });

  test('a partition stalls an established connection; after heal() the same connection carries on', async () => {
    const chatter = b.exec(process.execPath, ['-e', CHATTER, a.ip, String(ECHO_PORT)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    servers.push(chatter);
    const echoes: string[] = [];
    chatter.stdout!.on('data', (d: Buffer) => echoes.push(...d.toString().split('\n').filter(Boolean)));
    const waitFor = async (what: string, done: () => boolean) => {
      const deadline = Date.now() + 30_000;
      while (!done()) {
        assert.ok(Date.now() < deadline, `timed out waiting for ${what}; chatter printed ${JSON.stringify(echoes)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await waitFor('the first echoes', () => echoes.length >= 3);

    await lab.partition(['a'], ['b']);
    await new Promise((r) => setTimeout(r, 1_000)); // what was in flight lands
    const before = echoes.length;
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(echoes.length, before, 'no echo crosses the partition');

    await lab.heal();
    // TCP retransmits on its backed-off timer, so the first echo after healing can take seconds.
    await waitFor('echoes after healing', () => echoes.length > before + 3);
    assert.ok(
      echoes.every((line) => line.startsWith('echo ')),
      'one connection throughout, never an error',
    );
    chatter.kill('SIGKILL');
    await once(chatter, 'exit');
  });

  test('isolate(b) keeps the clients by default; keepClients: false cuts them too', async () => {
    await lab.isolate('b');
    cut(await between(a, b), 'a -> b');
    cut(await between(b, c), 'b -> c');
    reaches(await between(a, c), 'c');
    reaches(await fromRoot(b), 'b');
    await lab.heal();

    await lab.isolate('b', { keepClients: false });
    cut(await fromRoot(b), 'root -> b');
    cut(await toRoot(b), 'b -> root');
    cut(await between(c, b), 'c -> b');
    reaches(await fromRoot(a), 'a');
    await lab.heal();
    reaches(await fromRoot(b), 'b');
  });

  test('loss(c, 100) drops everything arriving at c; heal() lifts it', async () => {
    await lab.loss('c', 100);
    cut(await fromRoot(c), 'root -> c');
    cut(await between(a, c), 'a -> c');
    reaches(await between(a, b), 'b');
    await assert.rejects(lab.loss('c', 101), /0–100/);
    await lab.heal();
    reaches(await fromRoot(c), 'c');
  });

  test('bad arguments get clear errors', async () => {
    await assert.rejects(lab.partition(['a'], ['a', 'b']), /a in both groups/);
    await assert.rejects(lab.partition(['a'], ['nope']), /no node nope/);
    await assert.rejects(lab.addNode('a'), /node a already/);
    await assert.rejects(lab.addNode('bad name'), /node name/);
  });

  test('destroy() kills what ran inside and leaves no namespace, veth or bridge; a second call is a no-op', async () => {
    assert.ok(leftovers(lab.id).length >= 7, 'the lab shows before destroy: 3 namespaces, 3 veths, a bridge');
    const running = servers.filter((s) => s.exitCode === null && s.signalCode === null);
    assert.equal(running.length, 3, 'the three name servers run until destroy');
    const exits = running.map((s) => once(s, 'exit'));
    await lab.destroy();
    assert.deepEqual(leftovers(lab.id), []);
    await Promise.all(exits);
    await lab.destroy();
    await assert.rejects(lab.addNode('d'), /was destroyed/);
  });
});

// A lab in a child process that then dies: by SIGTERM (the exit hook tears the lab down) or by
// SIGKILL (nothing runs; the next NetLab.create sweeps it, leaving live labs alone).
const CRASHING_OWNER = `
import { NetLab } from '@gregor/testkit/netlab';
const lab = await NetLab.create({ name: 'doomed' });
await lab.addNode('x');
lab.node('x').exec('sleep', ['600'], { stdio: 'ignore' });
console.log(lab.id);
setInterval(() => {}, 1_000);
`;

async function labInChild(): Promise<{ child: ChildProcess; id: string }> {
  const child = spawn(
    process.execPath,
    ['--conditions=gregor:source', '--import', 'tsx', '--input-type=module', '-e', CRASHING_OWNER],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { child, id: chunk.toString().trim() };
}

describe('labs left behind', { skip }, () => {
  test('a SIGTERM runs the exit hook, which tears the lab down', async () => {
    const { child, id } = await labInChild();
    assert.ok(leftovers(id).length >= 3, `lab ${id} stands`);
    child.kill('SIGTERM');
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    assert.equal(signal, 'SIGTERM', `the owner still dies of the signal (exit code ${code})`);
    assert.deepEqual(leftovers(id), []);
  });

  test('a SIGKILLed owner leaves its lab; the next NetLab.create removes it but not live labs', async () => {
    const { child, id } = await labInChild();
    // Checked while the owner lives: once it is dead, a lab test file running in parallel may sweep it first.
    assert.ok(leftovers(id).length >= 3, `lab ${id} stands`);
    child.kill('SIGKILL');
    await once(child, 'exit');
    const live = await NetLab.create({ name: 'live' });
    try {
      await live.addNode('y');
      const next = await NetLab.create({ name: 'next' });
      try {
        assert.deepEqual(leftovers(id), []);
        assert.equal(leftovers(live.id).length, 3, 'the live lab keeps its bridge, veth and namespace');
        const result = await next.probe(live.node('y').ip, 1, { timeoutMs: 2_000 });
        assert.equal(result.outcome, 'refused', 'the live node still answers (nothing listens on port 1)');
      } finally {
        await next.destroy();
      }
    } finally {
      await live.destroy();
    }
  });
});
