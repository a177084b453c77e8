/**
 * kcat's -f format strings: %s value, %S value length, %R value length as a big-endian int32,
 * %k key, %K key length, %T timestamp (ms), %h headers (name=value,…), %t topic, %p partition,
 * %o offset, %% a percent sign; \n \r \t \0 \\ \xNN escapes. A null key or value prints as
 * nothing and its length as -1, as kcat does.
 */
import type { ConsumerRecord } from '@gregor/client';
import { UsageError } from '../errors.js';
import { unescapeBytes } from './escapes.js';
import type { RecordFormatter } from './record-formatter.js';

type Piece = Buffer | ((r: ConsumerRecord) => Buffer);

const text = (s: string | number): Buffer => Buffer.from(String(s), 'utf8');
const empty = Buffer.alloc(0);

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

const COMMA = text(',');
const EQUALS = text('=');

const TOKENS: Record<string, (r: ConsumerRecord) => Buffer> = {
  s: (r) => r.value ?? empty,
  S: (r) => text(r.value?.length ?? -1),
  R: (r) => int32(r.value?.length ?? -1),
  k: (r) => r.key ?? empty,
  K: (r) => text(r.key?.length ?? -1),
  T: (r) => text(r.timestampType === 'NoTimestamp' ? -1 : r.timestamp),
  h: (r) =>
    Buffer.concat(r.headers.flatMap((h, i) => [...(i > 0 ? [COMMA] : []), text(h.key), EQUALS, h.value ?? empty])),
  t: (r) => text(r.topic),
  p: (r) => text(r.partition),
  o: (r) => text(r.offset),
};

export function kcatFormatter(format: string): RecordFormatter {
  const pieces: Piece[] = [];
  let literal = '';
  const flush = () => {
    if (literal) pieces.push(unescapeBytes(literal, '--format'));
    literal = '';
  };
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c !== '%') {
      literal += c;
      continue;
    }
    const token = format[i + 1];
    i++;
    if (token === '%') literal += '%';
    else if (token !== undefined && token in TOKENS) {
      flush();
      pieces.push(TOKENS[token]!);
    } else
      throw new UsageError(
        `--format: unknown token '%${token ?? ''}' (tokens: ${Object.keys(TOKENS)
          .map((t) => `%${t}`)
          .join(' ')} %%)`,
      );
  }
  flush();
  return (r) => Buffer.concat(pieces.map((p) => (Buffer.isBuffer(p) ? p : p(r))));
}
