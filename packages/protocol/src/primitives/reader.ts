import { ProtocolError, ProtocolErrorCode } from '../errors.js';

const truncated = (what: string, need: number, have: number): ProtocolError =>
  new ProtocolError(ProtocolErrorCode.Truncated, `truncated ${what}: need ${need} bytes, ${have} left`);

const TWO_POW_32 = 0x1_0000_0000;

/**
 * Reads Kafka's primitive types from a buffer, front to back. Every read checks bounds first and
 * throws a `ProtocolError` (never a RangeError) so a malformed frame is one typed failure.
 * Byte and record fields are returned as views into the source buffer: no copy.
 */
export class Reader {
  offset: number;
  readonly end: number;

  constructor(
    readonly buffer: Buffer,
    offset = 0,
    end = buffer.length,
  ) {
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private need(n: number, what: string): number {
    const at = this.offset;
    if (at + n > this.end) throw truncated(what, n, this.end - at);
    this.offset = at + n;
    return at;
  }

  readInt8(): number {
    return this.buffer.readInt8(this.need(1, 'int8'));
  }
  readUInt8(): number {
    return this.buffer[this.need(1, 'uint8')]!;
  }
  readBool(): boolean {
    return this.buffer[this.need(1, 'bool')] !== 0;
  }
  readInt16(): number {
    return this.buffer.readInt16BE(this.need(2, 'int16'));
  }
  readUInt16(): number {
    return this.buffer.readUInt16BE(this.need(2, 'uint16'));
  }
  readInt32(): number {
    return this.buffer.readInt32BE(this.need(4, 'int32'));
  }
  readUInt32(): number {
    return this.buffer.readUInt32BE(this.need(4, 'uint32'));
  }
  readInt64(): bigint {
    return this.buffer.readBigInt64BE(this.need(8, 'int64'));
  }
  /** An int64 as a number; exact for |value| <= 2^53 (offsets, timestamps, ids in practice). */
  readInt64Number(): number {
    const at = this.need(8, 'int64');
    return this.buffer.readInt32BE(at) * TWO_POW_32 + this.buffer.readUInt32BE(at + 4);
  }
  readFloat64(): number {
    return this.buffer.readDoubleBE(this.need(8, 'float64'));
  }

  readUVarint(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      if (this.offset >= this.end) throw truncated('varint', 1, 0);
      const byte = this.buffer[this.offset++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
    }
    throw new ProtocolError(ProtocolErrorCode.VarintTooLong, 'unsigned varint longer than 5 bytes');
  }
  readVarint(): number {
    const u = this.readUVarint();
    if (u > 0xffffffff) throw new ProtocolError(ProtocolErrorCode.VarintTooLong, 'varint exceeds 32 bits');
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
  /** A zigzag varlong as a number; exact within ±2^53. */
  readVarlong(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (this.offset >= this.end) throw truncated('varlong', 1, 0);
      const byte = this.buffer[this.offset++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      shift += 7;
    }
    throw new ProtocolError(ProtocolErrorCode.VarintTooLong, 'varlong longer than 10 bytes');
  }

  /** Reads a length and checks it against what is left; -1 (or compact 0) means null. */
  private length(raw: number, what: string): number {
    if (raw < -1) throw new ProtocolError(ProtocolErrorCode.NegativeLength, `negative ${what} length ${raw}`);
    if (raw > this.end - this.offset)
      throw new ProtocolError(
        ProtocolErrorCode.LengthOutOfRange,
        `${what} length ${raw} exceeds the ${this.end - this.offset} bytes left`,
      );
    return raw;
  }

  readString(): string {
    const s = this.readNullableString();
    if (s === null) throw new ProtocolError(ProtocolErrorCode.NegativeLength, 'null for a non-nullable string');
    return s;
  }
  readNullableString(): string | null {
    const len = this.length(this.readInt16(), 'string');
    if (len === -1) return null;
    const start = this.offset;
    this.offset += len;
    return this.buffer.toString('utf8', start, start + len);
  }
  readCompactString(): string {
    const s = this.readCompactNullableString();
    if (s === null) throw new ProtocolError(ProtocolErrorCode.NegativeLength, 'null for a non-nullable string');
    return s;
  }
  readCompactNullableString(): string | null {
    const len = this.length(this.readUVarint() - 1, 'compact string');
    if (len === -1) return null;
    const start = this.offset;
    this.offset += len;
    return this.buffer.toString('utf8', start, start + len);
  }

  readBytes(): Buffer {
    const b = this.readNullableBytes();
    if (b === null) throw new ProtocolError(ProtocolErrorCode.NegativeLength, 'null for non-nullable bytes');
    return b;
  }
  readNullableBytes(): Buffer | null {
    const len = this.length(this.readInt32(), 'bytes');
    if (len === -1) return null;
    const start = this.offset;
    this.offset += len;
    return this.buffer.subarray(start, start + len);
  }
  readCompactBytes(): Buffer {
    const b = this.readCompactNullableBytes();
    if (b === null) throw new ProtocolError(ProtocolErrorCode.NegativeLength, 'null for non-nullable bytes');
    return b;
  }
  readCompactNullableBytes(): Buffer | null {
    const len = this.length(this.readUVarint() - 1, 'compact bytes');
    if (len === -1) return null;
    const start = this.offset;
    this.offset += len;
    return this.buffer.subarray(start, start + len);
  }
  /** A varint-length byte field as records use it: -1 is null. */
  readVarintBytes(): Buffer | null {
    const len = this.length(this.readVarint(), 'varint bytes');
    if (len === -1) return null;
    const start = this.offset;
    this.offset += len;
    return this.buffer.subarray(start, start + len);
  }

  readUuid(): string {
    const at = this.need(16, 'uuid');
    return this.buffer.toString('base64url', at, at + 16);
  }

  /** An array count, checked so a hostile count cannot make us allocate beyond the buffer. */
  readArrayLength(): number {
    return this.arrayLength(this.readInt32());
  }
  readCompactArrayLength(): number {
    return this.arrayLength(this.readUVarint() - 1);
  }
  private arrayLength(n: number): number {
    if (n < -1) throw new ProtocolError(ProtocolErrorCode.NegativeLength, `negative array length ${n}`);
    // Every element takes at least one byte on the wire, except in arrays of empty structs, which Kafka never has.
    if (n > this.end - this.offset)
      throw new ProtocolError(
        ProtocolErrorCode.LengthOutOfRange,
        `array length ${n} exceeds the ${this.end - this.offset} bytes left`,
      );
    return n;
  }

  /** Skips `n` bytes (an unknown tagged field's payload). */
  skip(n: number): void {
    this.need(n, 'skipped field');
  }
  /** Returns the next `n` bytes as a view and advances past them. */
  readRaw(n: number): Buffer {
    const at = this.need(n, 'raw bytes');
    return this.buffer.subarray(at, at + n);
  }
}
