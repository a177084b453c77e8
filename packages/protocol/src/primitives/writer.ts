import { ProtocolError, ProtocolErrorCode } from '../errors.js';

/** Byte fields at least this long are kept by reference instead of copied (record batches in Fetch). */
export const ZERO_COPY_THRESHOLD = 8 * 1024;

const TWO_POW_32 = 0x1_0000_0000;

/**
 * Writes Kafka's primitive types into a growing buffer. Large byte fields are not copied: they
 * become separate chunks, so a Fetch response carrying log bytes goes out with `writev` as
 * [header bytes, log bytes, …] (Kafka's zero-copy transfer, in spirit).
 */
export class Writer {
  private buf: Buffer;
  private pos = 0;
  /** Finished chunks before `buf`, in order. */
  private readonly chunks: Buffer[] = [];
  private flushed = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.flushed + this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  writeInt8(v: number): this {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
    return this;
  }
  writeUInt8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }
  writeBool(v: boolean): this {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
    return this;
  }
  writeInt16(v: number): this {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }
  writeUInt16(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }
  writeInt32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }
  writeUInt32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }
  writeInt64(v: bigint): this {
    this.ensure(8);
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
    return this;
  }
  /** An int64 from a number; the number must be an integer within ±2^53. */
  writeInt64Number(v: number): this {
    if (!Number.isSafeInteger(v)) throw new ProtocolError(ProtocolErrorCode.InvalidValue, `not a safe int64: ${v}`);
    this.ensure(8);
    const high = Math.floor(v / TWO_POW_32);
    this.buf.writeInt32BE(high, this.pos);
    this.buf.writeUInt32BE(v - high * TWO_POW_32, this.pos + 4);
    this.pos += 8;
    return this;
  }
  writeFloat64(v: number): this {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
    return this;
  }

  writeUVarint(v: number): this {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
    return this;
  }
  writeVarint(v: number): this {
    return this.writeUVarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  /** A zigzag varlong from a number within ±2^53. */
  writeVarlong(v: number): this {
    return this.writeUVarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  writeString(v: string): this {
    const len = Buffer.byteLength(v);
    if (len > 0x7fff) throw new ProtocolError(ProtocolErrorCode.InvalidValue, `string of ${len} bytes exceeds 32767`);
    this.ensure(2 + len);
    this.buf.writeInt16BE(len, this.pos);
    this.buf.write(v, this.pos + 2, len, 'utf8');
    this.pos += 2 + len;
    return this;
  }
  writeNullableString(v: string | null): this {
    if (v === null) return this.writeInt16(-1);
    return this.writeString(v);
  }
  writeCompactString(v: string): this {
    const len = Buffer.byteLength(v);
    this.writeUVarint(len + 1);
    this.ensure(len);
    this.buf.write(v, this.pos, len, 'utf8');
    this.pos += len;
    return this;
  }
  writeCompactNullableString(v: string | null): this {
    if (v === null) return this.writeUVarint(0);
    return this.writeCompactString(v);
  }

  writeBytes(v: Uint8Array): this {
    this.writeInt32(v.length);
    return this.writeRaw(v);
  }
  writeNullableBytes(v: Uint8Array | null): this {
    if (v === null) return this.writeInt32(-1);
    return this.writeBytes(v);
  }
  writeCompactBytes(v: Uint8Array): this {
    this.writeUVarint(v.length + 1);
    return this.writeRaw(v);
  }
  writeCompactNullableBytes(v: Uint8Array | null): this {
    if (v === null) return this.writeUVarint(0);
    return this.writeCompactBytes(v);
  }
  /** A varint-length byte field as records use it: null is -1. */
  writeVarintBytes(v: Uint8Array | null): this {
    if (v === null) return this.writeVarint(-1);
    this.writeVarint(v.length);
    return this.writeRaw(v);
  }

  /** A varint-length UTF-8 string as record header keys use it (never null). */
  writeVarintString(v: string): this {
    const len = Buffer.byteLength(v);
    this.writeVarint(len);
    this.ensure(len);
    this.buf.write(v, this.pos, len, 'utf8');
    this.pos += len;
    return this;
  }

  writeUuid(v: string): this {
    const bytes = Buffer.from(v, 'base64url');
    if (bytes.length !== 16) throw new ProtocolError(ProtocolErrorCode.InvalidValue, `invalid uuid ${v}`);
    return this.writeRaw(bytes);
  }

  /** Appends bytes; large ones are kept by reference (see ZERO_COPY_THRESHOLD). */
  writeRaw(v: Uint8Array): this {
    if (v.length >= ZERO_COPY_THRESHOLD) {
      this.chunks.push(this.buf.subarray(0, this.pos), v as Buffer);
      this.flushed += this.pos + v.length;
      this.buf = Buffer.allocUnsafe(Math.max(256, this.buf.length - this.pos));
      this.pos = 0;
      return this;
    }
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
    return this;
  }

  /** Reserves four bytes to fill in later with `patchInt32` (a length written after its content). */
  reserveInt32(): number {
    const at = this.length;
    this.writeInt32(0);
    return at;
  }
  patchInt32(at: number, v: number): void {
    const { buf, offset } = this.locate(at);
    buf.writeInt32BE(v, offset);
  }
  patchUInt32(at: number, v: number): void {
    const { buf, offset } = this.locate(at);
    buf.writeUInt32BE(v, offset);
  }
  /** Finds the chunk holding absolute position `at` (a reserved field never straddles chunks). */
  private locate(at: number): { buf: Buffer; offset: number } {
    if (at >= this.flushed) return { buf: this.buf, offset: at - this.flushed };
    let start = 0;
    for (const chunk of this.chunks) {
      if (at < start + chunk.length) return { buf: chunk, offset: at - start };
      start += chunk.length;
    }
    throw new RangeError(`position ${at} is beyond the written bytes`);
  }
  /** The contiguous bytes written since `from` (only while they are still in the current chunk). */
  view(from: number): Buffer {
    const local = from - this.flushed;
    if (local < 0) throw new Error('view: position is in a chunk already handed off');
    return this.buf.subarray(local, this.pos);
  }

  /** The written bytes as chunks, without copying large byte fields. */
  toChunks(): Buffer[] {
    const out = this.chunks.filter((c) => c.length > 0);
    if (this.pos > 0) out.push(this.buf.subarray(0, this.pos));
    return out;
  }
  /** The written bytes as one buffer. */
  toBuffer(): Buffer {
    if (this.chunks.length === 0) return this.buf.subarray(0, this.pos);
    return Buffer.concat(this.toChunks(), this.length);
  }
}
