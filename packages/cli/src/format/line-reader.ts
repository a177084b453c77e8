/**
 * How `gregor produce` turns an input record into key, value and headers: kafka-console-producer's
 * LineMessageReader properties (parse.key, key.separator, parse.headers, headers.delimiter,
 * headers.separator, headers.key.separator, null.marker, ignore.error), or our shorter
 * --key-separator. Works on bytes: only the separators are matched, nothing is decoded.
 */
import { CliError, UsageError } from '../errors.js';
import type { Frame } from '../io/record-input.js';
import { unescapeBytes } from './escapes.js';

export interface ParsedRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: string; value: Buffer | null }[];
}

const READER_PROPERTIES: Record<string, string> = {
  'parse.key': 'false',
  'key.separator': '\t',
  'parse.headers': 'false',
  'headers.delimiter': '\t',
  'headers.separator': ',',
  'headers.key.separator': ':',
  'ignore.error': 'false',
};

function bool(name: string, value: string): boolean {
  if (/^(true|false)$/i.test(value)) return /^true$/i.test(value);
  throw new UsageError(`--property ${name} expects true or false, got '${value}'`);
}

export interface ReaderFlags {
  keySeparator?: string;
  property?: [string, string][];
}

export type LineReader = (frame: Frame) => ParsedRecord;

export function lineReader(o: ReaderFlags, noun: 'line' | 'record'): LineReader {
  const props = new Map(Object.entries(READER_PROPERTIES));
  let nullMarker: Buffer | undefined;
  for (const [k, v] of o.property ?? []) {
    if (k === 'null.marker') nullMarker = Buffer.from(v, 'utf8');
    else if (k in READER_PROPERTIES) props.set(k, v);
    else
      throw new UsageError(
        `unsupported --property '${k}' (supported: ${[...Object.keys(READER_PROPERTIES), 'null.marker'].join(', ')})`,
      );
  }
  if (o.keySeparator === '') throw new UsageError('--key-separator must not be empty');
  const parseKey = o.keySeparator !== undefined || bool('parse.key', props.get('parse.key')!);
  const parseHeaders = bool('parse.headers', props.get('parse.headers')!);
  const ignoreError = bool('ignore.error', props.get('ignore.error')!);
  const bytes = (name: string) => Buffer.from(props.get(name)!, 'utf8');
  const keySeparator =
    o.keySeparator !== undefined ? unescapeBytes(o.keySeparator, '--key-separator') : bytes('key.separator');
  const headersDelimiter = bytes('headers.delimiter');
  const headersSeparator = bytes('headers.separator');
  const headerKeySeparator = bytes('headers.key.separator');
  const orNull = (b: Buffer): Buffer | null => (nullMarker !== undefined && b.equals(nullMarker) ? null : b);

  return ({ value: input, index }) => {
    const fail = (what: string): never => {
      throw new CliError(`${noun} ${index}: ${what}`);
    };
    if (input === null) return { key: null, value: null, headers: [] };
    let rest = input;
    const headers: ParsedRecord['headers'] = [];
    if (parseHeaders) {
      const at = rest.indexOf(headersDelimiter);
      if (at < 0) {
        if (!ignoreError) fail(`no headers delimiter '${headersDelimiter.toString()}' found`);
      } else {
        for (const pair of split(rest.subarray(0, at), headersSeparator)) {
          if (pair.length === 0) continue;
          const k = pair.indexOf(headerKeySeparator);
          if (k < 0) fail(`header '${pair.toString()}' has no '${headerKeySeparator.toString()}'`);
          headers.push({
            key: pair.subarray(0, k).toString('utf8'),
            value: orNull(pair.subarray(k + headerKeySeparator.length)),
          });
        }
        rest = rest.subarray(at + headersDelimiter.length);
      }
    }
    if (!parseKey) return { key: null, value: orNull(rest), headers };
    const at = rest.indexOf(keySeparator);
    if (at < 0) {
      if (ignoreError) return { key: null, value: orNull(rest), headers };
      return fail(`no key separator '${keySeparator.toString()}' found`);
    }
    return {
      key: orNull(rest.subarray(0, at)),
      value: orNull(rest.subarray(at + keySeparator.length)),
      headers,
    };
  };
}

function split(b: Buffer, separator: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let at = b.indexOf(separator); at >= 0; at = b.indexOf(separator, start)) {
    out.push(b.subarray(start, at));
    start = at + separator.length;
  }
  out.push(b.subarray(start));
  return out;
}
