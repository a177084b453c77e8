/**
 * @gregor/cli as a library: the `gregor` command tree and the performance-test functions the
 * benchmark suite reuses.
 */
export { buildProgram, run } from './program.js';
export { producerPerf, payload, type ProducerPerfOptions, type ThroughputResult } from './perf/producer-perf.js';
export { consumerPerf, type ConsumerPerfOptions, type ConsumerPerfResult } from './perf/consumer-perf.js';
export { LatencyRecorder, type LatencySummary } from './perf/stats.js';
