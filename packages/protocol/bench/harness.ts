/** A tiny benchmark loop: warm up, then run for a fixed time and report operations per second. */
export interface BenchResult {
  name: string;
  opsPerSec: number;
  /** Payload megabytes (10^6 bytes) per second, when the operation carries a payload. */
  mbPerSec?: number;
}

export function bench(name: string, fn: () => unknown, payloadBytes = 0, seconds = 1): BenchResult {
  for (let i = 0; i < 20; i++) fn();
  let ops = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < 10; i++) fn();
    ops += 10;
    elapsed = process.hrtime.bigint() - start;
  }
  const opsPerSec = (ops * 1e9) / Number(elapsed);
  const result: BenchResult = { name, opsPerSec };
  if (payloadBytes > 0) result.mbPerSec = (opsPerSec * payloadBytes) / 1e6;
  return result;
}

export function printTable(title: string, results: BenchResult[]): void {
  console.log(`\n${title}\n`);
  console.log('| benchmark | ops/s | MB/s |');
  console.log('| --- | ---: | ---: |');
  for (const r of results)
    console.log(
      `| ${r.name} | ${Math.round(r.opsPerSec).toLocaleString('en-US')} | ${r.mbPerSec === undefined ? '' : r.mbPerSec.toFixed(0)} |`,
    );
}
