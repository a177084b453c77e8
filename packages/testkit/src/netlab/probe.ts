/**
 * A TCP reachability probe run as its own short-lived node process, so the same code answers from
 * the root namespace and from inside a lab node (`ip netns exec … node -e`). A partition drops
 * packets silently, so a cut path shows up as 'timeout', never as a refused connection.
 */
import { spawn } from 'node:child_process';

export type ProbeResult =
  { outcome: 'connected'; reply: string } | { outcome: 'refused' | 'timeout' | 'unreachable' | 'error'; error: string };

export interface ProbeOptions {
  /** How long to wait for the connection, and then for the reply when `read` is set (default 2000). */
  timeoutMs?: number;
  /** Bytes to write once connected (e.g. ZooKeeper's `srvr`). */
  send?: string;
  /** Wait for what the server writes until it closes the connection (or the timeout) (default false). */
  read?: boolean;
}

// CommonJS, for `node -e`: argv is [node, host, port, timeoutMs, send, read].
const SCRIPT = `
const net = require('node:net');
const [host, port, timeoutMs, send, read] = process.argv.slice(1);
let reply = '';
let connected = false;
let settled = false;
const socket = net.connect({ host, port: Number(port) });
const finish = (result) => {
  if (settled) return;
  settled = true;
  clearTimeout(timer);
  socket.destroy();
  process.stdout.write(JSON.stringify(result));
};
const timer = setTimeout(() => finish(connected
  ? { outcome: 'connected', reply }
  : { outcome: 'timeout', error: 'no connection within ' + timeoutMs + ' ms' }), Number(timeoutMs));
socket.on('connect', () => {
  connected = true;
  if (send) socket.write(send);
  if (read !== '1') finish({ outcome: 'connected', reply });
});
socket.on('data', (d) => (reply += d.toString()));
socket.on('end', () => finish({ outcome: 'connected', reply }));
socket.on('error', (err) => {
  if (connected) return finish({ outcome: 'connected', reply });
  const outcome = err.code === 'ECONNREFUSED' ? 'refused'
    : err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH' ? 'unreachable' : 'error';
  finish({ outcome, error: err.code ?? err.message });
});
`;

/**
 * Connects to host:port from a fresh node process started under `wrap` (an argv prefix such as
 * `ip netns exec <ns>`; empty for the root namespace) and reports what happened.
 */
export function probeTcp(
  host: string,
  port: number,
  options: ProbeOptions = {},
  wrap: readonly string[] = [],
): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const argv = [
    ...wrap,
    process.execPath,
    '-e',
    SCRIPT,
    host,
    String(port),
    String(timeoutMs),
    options.send ?? '',
    options.read ? '1' : '0',
  ];
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => resolve({ outcome: 'error', error: err.message }));
    child.on('close', (status) => {
      try {
        resolve(JSON.parse(stdout) as ProbeResult);
      } catch {
        resolve({ outcome: 'error', error: `probe exited (${status}): ${stderr.trim() || stdout}` });
      }
    });
  });
}
