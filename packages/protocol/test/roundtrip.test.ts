/**
 * Every message Kafka's specs define, at every valid version: random values encode, decode to
 * the same values (absent fields come back as their defaults), and re-encode to the same bytes.
 * The cases are derived from the specs themselves, not picked by hand. TEST_SEED repeats a run.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as generated from '../src/generated/index.js';
import { Reader } from '../src/primitives/reader.js';
import { Writer } from '../src/primitives/writer.js';
import { DEFAULT_SPEC_DIR } from '../scripts/generate.js';
import type { FieldSpec, FieldType, MessageSpec, StructSpec } from '../scripts/generator/spec.js';
import { contains, loadSpecs } from '../scripts/generator/spec.js';
import { Random, seedFromEnv } from '@gregor/testkit/random';

type Codec = Record<string, unknown>;
const codec = generated as unknown as Codec;
const fn = <T>(name: string): T => {
  const f = codec[name];
  if (typeof f !== 'function') throw new Error(`generated code lacks ${name}`);
  return f as T;
};

/** Top-level read/write functions are exported; nested ones are reached through them. */
const writerOf = (spec: MessageSpec) => fn<(w: Writer, version: number, v: unknown) => void>(`write${spec.top.tsName}`);
const readerOf = (spec: MessageSpec) => fn<(r: Reader, version: number) => unknown>(`read${spec.top.tsName}`);
const defaultOf = (s: StructSpec) => fn<() => Record<string, unknown>>(`default${s.tsName}`);

class ValueMaker {
  constructor(
    private readonly rnd: Random,
    private readonly spec: MessageSpec,
  ) {}

  private flexible(version: number): boolean {
    return contains(this.spec.flexible, version);
  }

  /** Returns [input value, expected decoded value]. */
  struct(s: StructSpec, version: number): [Record<string, unknown>, Record<string, unknown>] {
    const input: Record<string, unknown> = {};
    const expected: Record<string, unknown> = { ...defaultOf(s)() };
    for (const f of s.fields) {
      if (!contains(f.versions, version)) continue;
      if (contains(f.tagged, version) && this.rnd.bool(0.3)) continue; // tag left out: default expected
      const [i, e] = this.field(f, version);
      input[f.name] = i;
      expected[f.name] = e;
    }
    if (this.flexible(version) && this.rnd.bool(0.2)) {
      const unknown = [{ tag: 1000 + this.rnd.int(0, 50), data: this.rnd.bytes(this.rnd.int(0, 4)) }];
      input._unknownTaggedFields = unknown;
      expected._unknownTaggedFields = unknown;
    }
    return [input, expected];
  }

  private field(f: FieldSpec, version: number): [unknown, unknown] {
    if (contains(f.nullable, version) && this.rnd.bool(0.2)) return [null, null];
    return this.value(f.type, version);
  }

  private value(t: FieldType, version: number): [unknown, unknown] {
    const r = this.rnd;
    if (t.kind === 'array') {
      const n = r.int(0, 3);
      const pairs = Array.from({ length: n }, () => this.value(t.element, version));
      return [pairs.map((p) => p[0]), pairs.map((p) => p[1])];
    }
    if (t.kind === 'struct') return this.struct(t.struct, version);
    const same = (v: unknown): [unknown, unknown] => [v, v];
    switch (t.name) {
      case 'bool':
        return same(r.bool());
      case 'int8':
        return same(r.int(-128, 127));
      case 'int16':
        return same(r.int(-32768, 32767));
      case 'uint16':
        return same(r.int(0, 65535));
      case 'int32':
        return same(r.int(-(2 ** 31), 2 ** 31 - 1));
      case 'int64':
        return same(BigInt.asIntN(64, (BigInt(r.int(0, 2 ** 32 - 1)) << 32n) | BigInt(r.int(0, 2 ** 32 - 1))));
      case 'float64':
        return same((r.next() - 0.5) * 1e12);
      case 'string':
        return same(r.pick(['', 'a', 'topic-1', 'ünïcødé ✓', 'x'.repeat(r.int(0, 40))]));
      case 'uuid':
        return same(r.bytes(16).toString('base64url'));
      case 'bytes':
      case 'records':
        return same(r.bytes(r.int(0, 24)));
    }
  }
}

const specsPresent = existsSync(join(DEFAULT_SPEC_DIR, 'message'));
const seed = seedFromEnv();

describe(
  `round trip of every message at every version (seed ${seed})`,
  { skip: !specsPresent && 'no Kafka specs beside the repo' },
  () => {
    const specs = specsPresent ? loadSpecs(DEFAULT_SPEC_DIR) : [];
    for (const spec of specs) {
      test(`${spec.name} v${spec.valid.lo}-${spec.valid.hi}`, () => {
        const write = writerOf(spec);
        const read = readerOf(spec);
        for (let version = spec.valid.lo; version <= spec.valid.hi; version++) {
          for (let round = 0; round < 4; round++) {
            const rnd = new Random(seed + version * 131 + round);
            const [input, expected] = new ValueMaker(rnd, spec).struct(spec.top, version);
            const w = new Writer(64);
            write(w, version, input);
            const bytes = w.toBuffer();
            const r = new Reader(bytes);
            const decoded = read(r, version);
            const where = `${spec.name} v${version} round ${round} (TEST_SEED=${seed})`;
            assert.equal(r.remaining, 0, `${where}: bytes left after decoding`);
            assert.deepStrictEqual(decoded, expected, `${where}: decoded value differs`);
            const again = new Writer(64);
            write(again, version, decoded);
            assert.deepStrictEqual(again.toBuffer(), bytes, `${where}: re-encoding differs`);
          }
        }
      });
    }
    test('covers every API key with both request and response', () => {
      const keys = new Set(specs.filter((s) => s.type === 'request').map((s) => s.apiKey));
      const apis = Object.keys(generated.Apis).map(Number);
      assert.deepStrictEqual(
        [...keys].sort((a, b) => a! - b!),
        apis.sort((a, b) => a - b),
      );
      assert.ok(apis.length >= 80, `only ${apis.length} APIs generated`);
    });
  },
);
