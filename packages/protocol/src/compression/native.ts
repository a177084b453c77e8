/**
 * The native codec addons, loaded on first use rather than when the protocol package is imported:
 * a program that never compresses with a codec (the `gregor` command listing topics, a client
 * using only gzip) does not pay for loading its shared library (~3-5 ms each at start-up).
 */
import { createRequire } from 'node:module';
import type * as Lz4Module from 'lz4-napi';
import type * as SnappyModule from 'snappy';
import type * as ZstdModule from 'zstd-napi';

type Lz4 = typeof Lz4Module;
type Snappy = typeof SnappyModule;
type Zstd = typeof ZstdModule;

const load = createRequire(import.meta.url);
let lz4: Lz4 | undefined;
let snappy: Snappy | undefined;
let zstd: Zstd | undefined;

export const lz4Native = (): Lz4 => (lz4 ??= load('lz4-napi') as Lz4);
export const snappyNative = (): Snappy => (snappy ??= load('snappy') as Snappy);
export const zstdNative = (): Zstd => (zstd ??= load('zstd-napi') as Zstd);
