/** Latency samples and their summary (mean, percentiles by nearest rank, max), in milliseconds. */

export interface LatencySummary {
  count: number;
  avgMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

/** A fixed-capacity sample store; past capacity it keeps a uniform reservoir sample. */
export class LatencyRecorder {
  private readonly samples: Float64Array;
  private n = 0;
  private sum = 0;
  private max = 0;

  constructor(capacity: number) {
    this.samples = new Float64Array(Math.max(1, capacity));
  }

  record(ms: number): void {
    this.sum += ms;
    if (ms > this.max) this.max = ms;
    if (this.n < this.samples.length) this.samples[this.n] = ms;
    else {
      const j = Math.floor(Math.random() * (this.n + 1));
      if (j < this.samples.length) this.samples[j] = ms;
    }
    this.n++;
  }

  get count(): number {
    return this.n;
  }

  summary(): LatencySummary {
    const kept = this.samples.slice(0, Math.min(this.n, this.samples.length)).sort();
    const at = (q: number) =>
      kept.length === 0 ? 0 : kept[Math.min(kept.length - 1, Math.ceil(q * kept.length) - 1)]!;
    return {
      count: this.n,
      avgMs: this.n === 0 ? 0 : this.sum / this.n,
      p50Ms: at(0.5),
      p95Ms: at(0.95),
      p99Ms: at(0.99),
      p999Ms: at(0.999),
      maxMs: this.max,
    };
  }
}

export const nowMs = (): number => performance.now();

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
