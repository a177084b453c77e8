/**
 * `<data-dir>/local-cluster.json`: which processes a running `gregor local-cluster` owns. It keeps
 * a second local-cluster off the same data (two brokers writing one log directory would corrupt
 * it), and when a local-cluster was killed outright (kill -9) its brokers and ZooKeeper outlive
 * it: the next run names them, with the command that stops them, instead of failing on a port.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../errors.js';

interface RunRecord {
  pid: number;
  brokers: { name: string; pid: number }[];
  zookeeper?: number;
}

/** Whether `pid` is alive and (where /proc shows it) its command line contains `marker`. */
function running(pid: number, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
  } catch {
    if (existsSync('/proc/self')) return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export class RunFile {
  private readonly path: string;
  private readonly record: RunRecord = { pid: process.pid, brokers: [] };

  constructor(
    dataDir: string,
    private readonly displayDir: string,
  ) {
    this.path = join(dataDir, 'local-cluster.json');
  }

  /** Fails if another local-cluster, or what a killed one left behind, still runs on this data. */
  checkFree(): void {
    let previous: RunRecord;
    try {
      previous = JSON.parse(readFileSync(this.path, 'utf8')) as RunRecord;
    } catch {
      return; // none, or unreadable: nothing to go by
    }
    if (previous.pid !== process.pid && running(previous.pid, 'local-cluster'))
      throw new CliError(
        `another gregor local-cluster (pid ${previous.pid}) is running on ${this.displayDir}: stop it first (Ctrl-C in its terminal, or kill ${previous.pid})`,
      );
    const left = [
      ...previous.brokers.filter((b) => running(b.pid, 'main')).map((b) => ({ what: b.name, pid: b.pid })),
      ...(previous.zookeeper && running(previous.zookeeper, 'zookeeper')
        ? [{ what: 'ZooKeeper', pid: previous.zookeeper }]
        : []),
    ];
    if (left.length > 0)
      throw new CliError(
        `the gregor local-cluster that ran on ${this.displayDir} (pid ${previous.pid}) was killed and left ${left
          .map((l) => `${l.what} (pid ${l.pid})`)
          .join(', ')} running: stop them with \`kill ${left.map((l) => l.pid).join(' ')}\` and start again`,
      );
  }

  broker(name: string, pid: number | undefined): void {
    if (pid === undefined) return;
    this.record.brokers = [...this.record.brokers.filter((b) => b.name !== name), { name, pid }];
    this.save();
  }

  zookeeper(pid: number | undefined): void {
    if (pid === undefined) return;
    this.record.zookeeper = pid;
    this.save();
  }

  save(): void {
    writeFileSync(this.path, `${JSON.stringify(this.record)}\n`);
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }
}
