/**
 * The broker's logger: pino, writing JSON lines for log collectors, or one readable line per
 * entry for a person at a terminal (`log.format`: auto picks text on a TTY, JSON otherwise).
 * Both go to stdout; the text form is rendered from pino's JSON so the two never disagree.
 */
import { pino, type Logger } from 'pino';
import type { BrokerConfig } from './config/broker-config.js';

export type LogFormat = 'text' | 'json';

export function resolveLogFormat(setting: string, isTTY: boolean): LogFormat {
  if (setting === 'text' || setting === 'json') return setting;
  return isTTY ? 'text' : 'json';
}

/** What the logger writes to; process.stdout by default. */
export interface LogOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

export function createLogger(config: BrokerConfig, out: LogOutput = process.stdout): Logger {
  const level = config.string('log.level');
  const format = resolveLogFormat(config.string('log.format'), out.isTTY === true);
  if (format === 'json') return pino({ level }, out === process.stdout ? undefined : { write: (s) => out.write(s) });
  const colors = out.isTTY === true && !process.env.NO_COLOR;
  return pino({ level }, { write: (line: string) => out.write(formatLogLine(line, colors)) });
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const COLORS: Record<number, string> = { 10: '90', 20: '36', 30: '32', 40: '33', 50: '31', 60: '35' };
/** pino's own fields, shown in the line's fixed part or not at all. */
const OMITTED = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'err']);

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
const localTime = (ms: number): string => {
  const d = new Date(ms);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
  );
};

const showValue = (v: unknown): string =>
  typeof v === 'string' ? (/^[^\s"=]+$/.test(v) ? v : JSON.stringify(v)) : JSON.stringify(v);

/**
 * `2025-01-02 10:00:00.123 INFO  broker started nodeId=0 listener=127.0.0.1:9092`; an error's
 * message follows on the line and its stack trace below it, as Kafka's log4j output does.
 */
export function formatLogLine(json: string, colors = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const levelNumber = Number(entry.level);
  const levelName = (LEVELS[levelNumber] ?? String(entry.level)).padEnd(5);
  const level = colors ? `\u001b[${COLORS[levelNumber] ?? '0'}m${levelName}\u001b[0m` : levelName;
  const fields = Object.entries(entry)
    .filter(([k]) => !OMITTED.has(k))
    .map(([k, v]) => `${k}=${showValue(v)}`);
  const err = entry.err as { message?: string; stack?: string } | undefined;
  if (err?.message) fields.push(`error=${showValue(err.message)}`);
  const msg = typeof entry.msg === 'string' ? entry.msg : '';
  const line = [localTime(Number(entry.time)), level, msg, ...fields].filter((p) => p !== '').join(' ');
  const stack = err?.stack ? `\n${err.stack.replace(/^/gm, '    ')}` : '';
  return `${line}${stack}\n`;
}
