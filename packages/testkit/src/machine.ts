/**
 * The machine's own limits, measured the same way by every benchmark so broker figures can be
 * read as a share of them: loopback TCP between two node processes and sequential file append;
 * plus a process's CPU time and memory from /proc.
 */
import { spawn } from 'node:child_process';
import { closeSync, fsyncSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const MiB = 1024 * 1024;

/** A child node process writes `bytes` over loopback in 1 MiB chunks; this process reads them. */
export async function measureLoopbackTcp(bytes: number): Promise<{ bytes: number; seconds: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const received = new Promise<{ bytes: number; seconds: number }>((resolve) => {
    server.once('connection', (socket) => {
      let got = 0;
      let start = 0n;
      socket.on('data', (chunk: Buffer) => {
        if (got === 0) start = process.hrtime.bigint();
        got += chunk.length;
      });
      socket.on('end', () => resolve({ bytes: got, seconds: Number(process.hrtime.bigint() - start) / 1e9 }));
    });
  });
  const sender = `const s = require('net').connect(${port}, '127.0.0.1', () => {
    const buf = Buffer.alloc(${MiB}, 7);
    let left = ${Math.ceil(bytes / MiB)};
    const pump = () => { while (left > 0) { left--; if (!s.write(buf)) return void s.once('drain', pump); } s.end(); };
    pump();
  });`;
  const child = spawn(process.execPath, ['-e', sender], { stdio: 'inherit' });
  const result = await received;
  await new Promise((resolve) => child.once('exit', resolve));
  server.close();
  return result;
}

/**
 * Sequential append as a log segment is written: 1 MiB writeSync calls, then one fsync.
 * `pageCacheSeconds` is the time before the fsync.
 */
export function measureFileAppend(
  dir: string,
  bytes: number,
): { bytes: number; seconds: number; pageCacheSeconds: number } {
  const path = join(dir, 'append-test.bin');
  const chunk = Buffer.alloc(MiB);
  for (let i = 0; i < chunk.length; i += 4) chunk.writeUInt32LE((i * 2654435761) >>> 0, i);
  const fd = openSync(path, 'w');
  const start = process.hrtime.bigint();
  for (let written = 0; written < bytes; written += chunk.length) writeSync(fd, chunk);
  const written = process.hrtime.bigint();
  fsyncSync(fd);
  const end = process.hrtime.bigint();
  closeSync(fd);
  unlinkSync(path);
  return { bytes, seconds: Number(end - start) / 1e9, pageCacheSeconds: Number(written - start) / 1e9 };
}

/** CPU seconds (user + system) a process has used, from /proc; NaN when unavailable. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ (100)
  } catch {
    return NaN;
  }
}

/** VmRSS or VmHWM (peak) of a process, in bytes; NaN when unavailable. */
export function memory(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}
