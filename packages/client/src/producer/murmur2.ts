/**
 * Kafka's murmur2 (MurmurHash2, 32-bit, seed 0x9747b28c), exactly as the Java client's
 * `Utils.murmur2`, so that keyed records land on the same partitions as with every
 * Java-compatible client. Arithmetic is 32-bit: Math.imul multiplies modulo 2^32, `>>>` is
 * Java's unsigned shift, and `| 0` keeps the signed int32 that Java returns.
 */
const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const blocks = length >>> 2;
  for (let i = 0; i < blocks; i++) {
    const at = i * 4;
    let k = data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The last 1-3 bytes, as Java's fall-through switch on length % 4.
  const tail = length & ~3;
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Java's `Utils.toPositive`: clears the sign bit (not Math.abs, which differs for negatives). */
export const toPositive = (n: number): number => n & 0x7fffffff;

/** The partition Kafka's default partitioner picks for a key: `toPositive(murmur2(key)) % n`. */
export const partitionForKey = (key: Uint8Array, numPartitions: number): number =>
  toPositive(murmur2(key)) % numPartitions;
