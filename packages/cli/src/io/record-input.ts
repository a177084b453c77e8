/**
 * Splits `produce` input into records as bytes, never decoding it: delimited (a byte string,
 * newline by default, as kcat's -D) or length-prefixed (a big-endian int32 length before each
 * record, -1 for a null value), so binary values can come from a file or a pipe.
 */
import { CliError } from '../errors.js';

export type Framing = { kind: 'delimited'; delimiter: Buffer } | { kind: 'length-prefixed' };

/** One input record; `value` null only from a length-prefixed -1. */
export interface Frame {
  value: Buffer | null;
  /** 1-based, for error messages ("line 3" / "record 3"). */
  index: number;
}

export async function* frames(input: AsyncIterable<Buffer | string>, framing: Framing): AsyncGenerator<Frame> {
  if (framing.kind === 'delimited') yield* delimited(input, framing.delimiter);
  else yield* lengthPrefixed(input);
}

async function* delimited(input: AsyncIterable<Buffer | string>, delimiter: Buffer): AsyncGenerator<Frame> {
  let pending: Buffer = Buffer.alloc(0);
  let index = 0;
  for await (const chunk of input) {
    pending = pending.length === 0 ? toBuffer(chunk) : Buffer.concat([pending, toBuffer(chunk)]);
    let start = 0;
    for (let at = pending.indexOf(delimiter, start); at >= 0; at = pending.indexOf(delimiter, start)) {
      yield { value: pending.subarray(start, at), index: ++index };
      start = at + delimiter.length;
    }
    pending = pending.subarray(start);
  }
  // A last record without a trailing delimiter still counts, as with a text file's last line.
  if (pending.length > 0) yield { value: pending, index: ++index };
}

async function* lengthPrefixed(input: AsyncIterable<Buffer | string>): AsyncGenerator<Frame> {
  let pending: Buffer = Buffer.alloc(0);
  let index = 0;
  let offset = 0; // of `pending` in the input, for error messages
  for await (const chunk of input) {
    pending = pending.length === 0 ? toBuffer(chunk) : Buffer.concat([pending, toBuffer(chunk)]);
    for (;;) {
      if (pending.length < 4) break;
      const length = pending.readInt32BE(0);
      if (length < -1) throw new CliError(`record ${index + 1} (byte ${offset}): invalid length ${length}`);
      const size = 4 + Math.max(length, 0);
      if (pending.length < size) break;
      yield { value: length < 0 ? null : pending.subarray(4, size), index: ++index };
      pending = pending.subarray(size);
      offset += size;
    }
  }
  if (pending.length > 0)
    throw new CliError(
      `record ${index + 1} (byte ${offset}): input ends inside a length-prefixed record (${pending.length} bytes left)`,
    );
}

function toBuffer(chunk: Buffer | string): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
}
