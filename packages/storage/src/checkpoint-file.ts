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

type Entries = readonly (readonly (string | number)[])[];

function checkpointText(entries: Entries): string {
  const lines = [String(VERSION), String(entries.length), ...entries.map((fields) => fields.join(' '))];
  return lines.join('\n') + '\n';
}

export function writeCheckpoint(file: string, entries: Entries): void {
  const tmp = file + TMP_SUFFIX;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, checkpointText(entries));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDirectory(path.dirname(file));
}

/**
 * writeCheckpoint with the write and both fsyncs on libuv's thread pool. The rename happens on the
 * event loop, and only if `commit()` still agrees when the content is on disk (else the temporary
 * file is removed): a caller can so drop a write that a newer synchronous one overtook. Resolves
 * whether it committed.
 */
export async function writeCheckpointAsync(file: string, entries: Entries, commit: () => boolean): Promise<boolean> {
  const tmp = `${file}.async${TMP_SUFFIX}`;
  const handle = await fs.promises.open(tmp, 'w');
  try {
    await handle.writeFile(checkpointText(entries));
    await handle.datasync();
  } finally {
    await handle.close();
  }
  if (!commit()) {
    await fs.promises.rm(tmp, { force: true });
    return false;
  }
  fs.renameSync(tmp, file);
  await fsyncDirectoryAsync(path.dirname(file));
  return true;
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

/** fsyncDirectory on the thread pool. */
export async function fsyncDirectoryAsync(dir: string): Promise<void> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(dir, 'r');
    await handle.sync();
  } catch {
    // As fsyncDirectory: a refused directory fsync leaves the rename atomic, only maybe not yet durable.
  } finally {
    await handle?.close();
  }
}
