/**
 * V8 flags every broker process starts with (`npm start`, the test kit's spawnBroker); they must
 * be on node's command line, as V8 reads them when it creates the heap.
 *
 * `--initial-old-space-size=64`: the old generation's collection limit never drops below 64 MB.
 * A broker's live heap is small (~10 MB) while produce requests churn through hundreds of MB/s of
 * Buffers; V8 then sets the limit so close above the live heap that incremental marking starts
 * again as soon as a mark-compact ends, and the broker spends its time in back-to-back full
 * collections (30-40 per 400 MB of 1 KiB records instead of none, at a third of the throughput).
 * Whether that loop sets in depended on how much the start-up happened to allocate (the tsx
 * loader's own heap kept it away, the compiled entry did not). With the floor, the limit keeps
 * ~50 MB of slack; the cost is up to that much garbage before the first full collection.
 */
export const BROKER_NODE_FLAGS: readonly string[] = ['--initial-old-space-size=64'];
