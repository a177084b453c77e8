/**
 * How much one compressed record set may expand to. Batches are at most a few MiB compressed
 * (message.max.bytes), but zstd and lz4 can expand a tiny input by four or more orders of
 * magnitude; without a bound, one hostile batch could make a reader allocate gigabytes.
 */
export const MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;
