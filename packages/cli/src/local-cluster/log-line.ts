/**
 * How `gregor local-cluster` shows a broker's JSON log line (pino) to a person: the time of day,
 * the level, the message and the entry's own fields, so three brokers' output stays readable
 * when interleaved. Anything that is not a JSON log line is shown as it is.
 */

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** pino's own fields: shown in the line's fixed part or not at all. */
const OMITTED = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'err']);
const MAX_VALUE = 120;

export interface LogLine {
  text: string;
  /** pino's level number (30 = info), or undefined for a line that is not a log entry. */
  level: number | undefined;
  msg: string | undefined;
  entry: Record<string, unknown> | undefined;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function timeOfDay(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function showValue(v: unknown): string {
  const s = typeof v === 'string' ? (/^[^\s"=]+$/.test(v) ? v : JSON.stringify(v)) : JSON.stringify(v);
  return s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE - 1)}…` : s;
}

/** `10:00:00.123 INFO  broker started nodeId=1 listener=127.0.0.1:9092`. */
export function renderLogLine(line: string): LogLine {
  let entry: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null || !('level' in parsed)) throw new Error('not a log entry');
    entry = parsed as Record<string, unknown>;
  } catch {
    return { text: line, level: undefined, msg: undefined, entry: undefined };
  }
  const level = Number(entry.level);
  const fields = Object.entries(entry)
    .filter(([k]) => !OMITTED.has(k))
    .map(([k, v]) => `${k}=${showValue(v)}`);
  const err = entry.err as { message?: string } | undefined;
  if (err?.message) fields.push(`error=${showValue(err.message)}`);
  const msg = typeof entry.msg === 'string' ? entry.msg : undefined;
  const time = typeof entry.time === 'number' ? timeOfDay(entry.time) : '';
  const text = [time, (LEVELS[level] ?? String(entry.level)).padEnd(5), msg ?? '', ...fields]
    .filter((p) => p !== '')
    .join(' ');
  return { text, level, msg, entry };
}
