/**
 * Option parsers for points in time: Kafka's `--to-datetime` form (ISO 8601, local time unless
 * it names a zone) and kafka-get-offsets' `--time` (-1/latest, -2/earliest, -3/max-timestamp,
 * epoch ms, or a date-time). Each throws commander's InvalidArgumentError (exit 2).
 */
import { InvalidArgumentError } from 'commander';
import type { OffsetQuerySpec } from '@gregor/client';

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** `YYYY-MM-DDTHH:mm:SS.sss` with optional seconds, millis and zone (Z, +02:00); epoch ms. */
export function dateTime(value: string): number {
  // Date.parse wants the zone as +02:00; Kafka also accepts +0200.
  const text = value.trim().replace(/(T[\d:.]+[+-]\d{2})(\d{2})$/, '$1:$2');
  if (ISO_DATE_TIME.test(text)) {
    // A date alone is UTC to Date.parse; Kafka reads every zone-less value as local time.
    const ms = Date.parse(/T/.test(text) || /Z|[+-]\d{2}:?\d{2}$/.test(text) ? text : `${text}T00:00`);
    if (ms < 0) throw new InvalidArgumentError(`'${value}' is before 1970, which Kafka timestamps cannot express`);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new InvalidArgumentError(
    `expected a date-time like 2024-05-01T12:00:00.000 (optionally with Z or +02:00), got '${value}'`,
  );
}

const NAMED_TIMES: Record<string, OffsetQuerySpec> = {
  '-1': 'latest',
  latest: 'latest',
  '-2': 'earliest',
  earliest: 'earliest',
  '-3': 'max-timestamp',
  'max-timestamp': 'max-timestamp',
};

/** kafka-get-offsets' --time: a named position, epoch milliseconds, or a date-time. */
export function offsetTime(value: string): OffsetQuerySpec {
  const named = NAMED_TIMES[value.trim()];
  if (named) return named;
  if (/^\d+$/.test(value.trim())) return { timestamp: Number(value.trim()) };
  try {
    return { timestamp: dateTime(value) };
  } catch {
    throw new InvalidArgumentError(
      `expected -1/latest, -2/earliest, -3/max-timestamp, epoch ms or a date-time, got '${value}'`,
    );
  }
}

const DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,3})?)S)?)?$/;

/** kafka-consumer-groups' --by-duration: an ISO 8601 duration PnDTnHnMnS, in milliseconds. */
export function duration(value: string): number {
  const m = DURATION.exec(value.trim().toUpperCase());
  if (!m || value.trim().length <= 1 || /T$/i.test(value.trim()))
    throw new InvalidArgumentError(`expected a duration like P1DT2H30M or PT15M (PnDTnHnMnS), got '${value}'`);
  const [days, hours, minutes, seconds] = [m[1], m[2], m[3], m[4]].map((n) => Number(n ?? 0)) as [
    number,
    number,
    number,
    number,
  ];
  return Math.round(((days * 24 + hours) * 60 + minutes) * 60_000 + seconds * 1000);
}
