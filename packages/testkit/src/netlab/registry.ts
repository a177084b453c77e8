/**
 * What a lab owns, by name, and how it is torn down. Every bridge, veth and namespace a lab makes
 * is named `gl-<id>…` (interface names are limited to 15 characters), and the lab writes its
 * owner's pid to /run/gregor-netlab/<id> before making any of them. A lab whose owner is gone
 * (a crashed or killed test run) is stale: the next NetLab.create tears it down. Labs of live
 * processes, such as another test file running in parallel, are left alone.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSync } from './shell.js';

export const PREFIX = 'gl-';
const STATE_DIR = '/run/gregor-netlab';
const ID_PATTERN = /^gl-([a-z0-9]{5})(?:$|[-v])/;

export const bridgeName = (id: string): string => `${PREFIX}${id}`;
export const vethName = (id: string, index: number): string => `${PREFIX}${id}v${index}`;
export const netnsName = (id: string, node: string): string => `${PREFIX}${id}-${node}`;

/** Claims `id` for this process; false if another lab holds it already. */
export function claim(id: string, label: string): boolean {
  mkdirSync(STATE_DIR, { recursive: true });
  try {
    writeFileSync(join(STATE_DIR, id), `${process.pid} ${label}\n`, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

function ownerAlive(id: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(STATE_DIR, id), 'utf8').split(' ')[0]);
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function listNetns(): string[] {
  return (runSync('ip', ['netns', 'list']) ?? '')
    .split('\n')
    .map((line) => line.split(' ')[0]!)
    .filter((name) => name.length > 0);
}

export function listLinks(): string[] {
  return (runSync('ip', ['-o', 'link', 'show']) ?? '')
    .split('\n')
    .map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

/**
 * Removes everything named after lab `id`: kills the processes still inside its namespaces (a
 * namespace outlives its mount while a process is in it), deletes its veths (each takes its peer
 * inside the namespace along), namespaces and bridge, then its state file. Synchronous so that
 * an exit handler can run it; each step is best effort, so it is idempotent.
 */
export function teardown(id: string): void {
  const own = (name: string) => ID_PATTERN.exec(name)?.[1] === id;
  const namespaces = listNetns().filter(own);
  if (namespaces.length > 0) {
    const pids = runSync('ip', ['-force', '-batch', '-'], namespaces.map((ns) => `netns pids ${ns}\n`).join('')) ?? '';
    for (const pid of pids.split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  const links = listLinks().filter(own);
  // Veths before the bridge they are enslaved to; one `ip` process, going on past failures.
  const steps = [
    ...links.filter((l) => l !== bridgeName(id)).map((l) => `link del ${l}`),
    ...namespaces.map((ns) => `netns del ${ns}`),
    ...(links.includes(bridgeName(id)) ? [`link del ${bridgeName(id)}`] : []),
  ];
  if (steps.length > 0) runSync('ip', ['-force', '-batch', '-'], `${steps.join('\n')}\n`);
  rmSync(join(STATE_DIR, id), { force: true });
}

/** Tears down every lab whose owner process is gone; returns the ids it removed. */
export function sweepStale(): string[] {
  const ids = new Set<string>();
  for (const name of [...listNetns(), ...listLinks()]) {
    const id = ID_PATTERN.exec(name)?.[1];
    if (id) ids.add(id);
  }
  try {
    for (const file of readdirSync(STATE_DIR)) ids.add(file);
  } catch {
    // no state directory yet
  }
  const stale = [...ids].filter((id) => !ownerAlive(id));
  for (const id of stale) teardown(id);
  return stale;
}

// Labs of this process still standing, torn down on exit or on a terminating signal.
const live = new Set<string>();
let hooked = false;

function teardownAll(): void {
  for (const id of live) teardown(id);
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  teardownAll();
  process.off(signal, onSignal);
  // Only stand in for the default action (terminate) when nobody else handles the signal.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

export function track(id: string): void {
  live.add(id);
  if (hooked) return;
  hooked = true;
  process.on('exit', teardownAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
}

export function untrack(id: string): void {
  live.delete(id);
}
