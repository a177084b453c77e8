/**
 * Splits a byte stream into Kafka frames: a 4-byte big-endian size, then that many bytes.
 * Handles frames split across chunks and many frames in one chunk, copying only when a frame
 * really spans chunks, and refuses sizes that are negative or above the configured maximum.
 */
import { ProtocolError, ProtocolErrorCode } from './errors.js';

/** Kafka's default `socket.request.max.bytes`. */
export const DEFAULT_MAX_FRAME_BYTES = 100 * 1024 * 1024;

export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  /** Bytes received but not yet returned as frames. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * Adds received bytes and returns every frame now complete (without size prefixes). Throws
   * ProtocolError FrameTooLarge or NegativeLength for an impossible size; the stream is then unusable.
   */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Buffer[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      const size = this.peekSize();
      if (size < 0) throw new ProtocolError(ProtocolErrorCode.NegativeLength, `negative frame size ${size}`);
      if (size > this.maxFrameBytes)
        throw new ProtocolError(
          ProtocolErrorCode.FrameTooLarge,
          `frame of ${size} bytes exceeds the maximum of ${this.maxFrameBytes}`,
        );
      if (this.buffered < 4 + size) break;
      this.take(4);
      frames.push(this.take(size));
    }
    return frames;
  }

  private peekSize(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readInt32BE(0);
    const head = Buffer.allocUnsafe(4);
    let filled = 0;
    for (const c of this.chunks) {
      const n = Math.min(4 - filled, c.length);
      c.copy(head, filled, 0, n);
      filled += n;
      if (filled === 4) break;
    }
    return head.readInt32BE(0);
  }

  /** Removes and returns the next `n` bytes, as a view when they sit in one chunk. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const k = Math.min(n - filled, c.length);
      c.copy(out, filled, 0, k);
      filled += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }
}

/** Prefixes a frame body with its size. */
export function frame(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}
