import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtocolError, ProtocolErrorCode } from '../src/errors.js';
import { frame, FrameDecoder } from '../src/framing.js';
import { Random } from '@gregor/testkit/random';

const bodies = [Buffer.from('a'), Buffer.alloc(0), Buffer.alloc(70_000, 3), Buffer.from('hello world')];
const stream = Buffer.concat(bodies.map(frame));

test('frames split at every byte boundary come out whole', () => {
  for (let cut = 0; cut <= stream.length; cut += 997) {
    const d = new FrameDecoder();
    const out = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
    assert.deepStrictEqual(out, bodies);
    assert.equal(d.pendingBytes, 0);
  }
});

test('byte-at-a-time and coalesced delivery', () => {
  const d = new FrameDecoder();
  const out: Buffer[] = [];
  const small = Buffer.concat([frame(Buffer.from('xy')), frame(Buffer.from('z'))]);
  for (const b of small) out.push(...d.push(Buffer.from([b])));
  assert.deepStrictEqual(out, [Buffer.from('xy'), Buffer.from('z')]);
  assert.deepStrictEqual(new FrameDecoder().push(stream), bodies);
});

test('random chunking', () => {
  const rnd = new Random(42);
  for (let round = 0; round < 50; round++) {
    const d = new FrameDecoder();
    const out: Buffer[] = [];
    for (let at = 0; at < stream.length;) {
      const n = rnd.int(1, 5000);
      out.push(...d.push(stream.subarray(at, at + n)));
      at += n;
    }
    assert.deepStrictEqual(out, bodies);
  }
});

test('sizes above the maximum or negative are refused before buffering them', () => {
  const d = new FrameDecoder(1024);
  const head = Buffer.alloc(4);
  head.writeInt32BE(1025);
  assert.throws(
    () => d.push(head),
    (e: unknown) => e instanceof ProtocolError && e.code === ProtocolErrorCode.FrameTooLarge,
  );
  head.writeInt32BE(-5);
  assert.throws(
    () => new FrameDecoder().push(head),
    (e: unknown) => e instanceof ProtocolError && e.code === ProtocolErrorCode.NegativeLength,
  );
  // A frame exactly at the maximum is fine.
  assert.equal(new FrameDecoder(3).push(frame(Buffer.from('abc'))).length, 1);
});
