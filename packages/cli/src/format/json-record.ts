/**
 * Records as JSON lines, both ways. JSON cannot hold arbitrary bytes, so every record names the
 * encoding of its key, value and header values in "encoding":
 *   utf8    text (the default; a record whose bytes are not valid UTF-8 falls back to base64)
 *   base64  standard base64
 *   hex     lower-case hex
 *   json    the value embedded as JSON (falls back to utf8/base64 when it is not JSON); key and
 *           header values as utf8
 * `produce --json` reads the same shape, so `consume --format json | produce --json` copies
 * records byte for byte.
 */
import { isUtf8 } from 'node:buffer';
import type { RecordFormatter } from './record-formatter.js';

export const ENCODINGS = ['utf8', 'base64', 'hex', 'json'] as const;
export type Encoding = (typeof ENCODINGS)[number];

type Text = string | null;

function encodeBytes(b: Buffer | null, encoding: 'utf8' | 'base64' | 'hex'): Text {
  return b === null ? null : b.toString(encoding);
}

function parseJson(b: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(b.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

export function jsonFormatter(requested: Encoding): RecordFormatter {
  return (r) => {
    const fields = [r.key, r.value, ...r.headers.map((h) => h.value)];
    const allText = fields.every((b) => b === null || isUtf8(b));
    let encoding: Encoding = requested;
    let value: unknown;
    if (requested === 'json' && allText && r.value !== null) {
      const parsed = parseJson(r.value);
      if (parsed.ok) value = parsed.value;
      else encoding = 'utf8';
    } else if (requested === 'json') encoding = r.value === null && allText ? 'json' : 'utf8';
    if (encoding === 'utf8' && !allText) encoding = 'base64';
    const bytesAs = encoding === 'json' ? 'utf8' : encoding;
    if (encoding !== 'json') value = encodeBytes(r.value, bytesAs);
    if (value === undefined) value = null;
    const line = JSON.stringify({
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      timestamp: r.timestamp,
      timestampType: r.timestampType,
      encoding,
      key: encodeBytes(r.key, bytesAs),
      value,
      headers: r.headers.map((h) => ({ key: h.key, value: encodeBytes(h.value, bytesAs) })),
    });
    return Buffer.from(`${line}\n`, 'utf8');
  };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/**
 * Bytes of one field of an input JSON record. `field` names it in errors; `value` fields in
 * utf8 mode may also be JSON objects (written as their JSON text), a convenience for hand-written
 * input.
 */
export function decodeField(x: unknown, encoding: Encoding, field: string): Buffer | null {
  if (x === undefined || x === null) return null;
  const isValue = field === 'value';
  if (encoding === 'json' && isValue) return Buffer.from(JSON.stringify(x), 'utf8');
  if (typeof x !== 'string') {
    if (isValue && encoding === 'utf8') return Buffer.from(JSON.stringify(x), 'utf8');
    throw new Error(`"${field}" must be a string or null`);
  }
  if (encoding === 'base64') {
    if (!BASE64.test(x)) throw new Error(`"${field}" is not valid base64`);
    return Buffer.from(x, 'base64');
  }
  if (encoding === 'hex') {
    if (!HEX.test(x)) throw new Error(`"${field}" is not valid hex`);
    return Buffer.from(x, 'hex');
  }
  return Buffer.from(x, 'utf8');
}
