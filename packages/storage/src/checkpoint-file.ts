import fs from 'node:fs';
import path from 'node:path';
import { TMP_SUFFIX } from './file-names.js';

/**
 * Kafka's text checkpoint format, used for every small file of offsets that must survive a
 * crash:
 *
 *   0            version
 *   2            number of entry lines
 *   <entry>      one line each, space-separated fields
 *
 * Writes go to `<file>.tmp`, are fsynced, then renamed over the file and the directory is
 * fsynced, so a reader sees either the old or the new content, never a torn mix.
 */
const VERSION = 0;

export function writeCheckpoint(file: string, entries: readonly (readonly (string | number)[])[]): void {
  const lines = [String(VERSION), String(entries.length), ...entries.map((fields) => fields.join(' '))];
  const tmp = file + TMP_SUFFIX;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, lines.join('\n') + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDirectory(path.dirname(file));
}

/** The entry lines split into fields; undefined when the file is absent; throws if malformed. */
export function readCheckpoint(file: string): string[][] | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const lines = text.split('\n').filter((line) => line.length > 0);
  if (lines[0] !== String(VERSION)) throw new Error(`${file}: unsupported checkpoint version '${lines[0]}'`);
  const count = Number(lines[1]);
  if (!Number.isInteger(count) || count !== lines.length - 2)
    throw new Error(`${file}: expected ${lines[1]} entries, found ${lines.length - 2}`);
  return lines.slice(2).map((line) => line.trim().split(/\s+/));
}

/** Makes a rename or unlink inside `dir` durable (the directory entry itself must be synced). */
export function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some platforms/filesystems refuse fsync on directories; the rename is still atomic there.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
