/**
 * The purgatory on a manual clock: operations complete exactly once, by their condition when a
 * watched key is checked, by their timeout, or by force; keys not watched cost nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock, systemClock } from '../src/clock.js';
import { DelayedOperation, Purgatory } from '../src/purgatory/purgatory.js';

/** Waits until a shared "high watermark" reaches `required`, like a delayed acks=all produce. */
class WaitForOffset extends DelayedOperation {
  results: string[] = [];
  constructor(
    private readonly state: { highWatermark: number },
    private readonly required: number,
    timeoutMs: number,
  ) {
    super(timeoutMs);
  }
  tryComplete(): boolean {
    return this.state.highWatermark >= this.required ? this.forceComplete() : false;
  }
  protected onComplete(): void {
    this.results.push(this.expired ? 'timed out' : `done at ${this.state.highWatermark}`);
  }
}

test('an operation whose condition already holds completes at once and is never watched', () => {
  const clock = new ManualClock();
  const purgatory = new Purgatory<string>('produce', clock);
  const op = new WaitForOffset({ highWatermark: 10 }, 5, 1_000);
  assert.equal(purgatory.tryCompleteElseWatch(op, ['t-0']), true);
  assert.deepEqual(op.results, ['done at 10']);
  assert.equal(purgatory.size, 0);
  assert.equal(clock.pending, 0);
});

test('a watched operation completes when its key is checked after the condition holds, once', () => {
  const clock = new ManualClock();
  const purgatory = new Purgatory<string>('produce', clock);
  const state = { highWatermark: 0 };
  const op = new WaitForOffset(state, 5, 1_000);
  assert.equal(purgatory.tryCompleteElseWatch(op, ['t-0', 't-1']), false);
  assert.equal(purgatory.size, 1);
  assert.equal(purgatory.watching('t-0'), 1);
  assert.equal(purgatory.checkAndComplete('t-0'), 0, 'condition not met yet');
  state.highWatermark = 7;
  assert.equal(purgatory.checkAndComplete('other'), 0, 'an unrelated key does not touch it');
  assert.equal(purgatory.checkAndComplete('t-1'), 1);
  assert.deepEqual(op.results, ['done at 7']);
  assert.equal(purgatory.size, 0);
  assert.equal(purgatory.watching('t-0'), 0, 'completion stops the watch under every key');
  clock.advance(5_000);
  assert.deepEqual(op.results, ['done at 7'], 'the timer was cancelled');
  assert.equal(purgatory.checkAndComplete('t-0'), 0);
});

test('an operation times out on the clock and completes with what it has', () => {
  const clock = new ManualClock();
  const purgatory = new Purgatory<string>('fetch', clock);
  const op = new WaitForOffset({ highWatermark: 0 }, 5, 500);
  purgatory.tryCompleteElseWatch(op, ['t-0']);
  clock.advance(499);
  assert.deepEqual(op.results, []);
  clock.advance(1);
  assert.deepEqual(op.results, ['timed out']);
  assert.equal(op.expired, true);
  assert.equal(purgatory.expiredCount, 1);
  assert.equal(purgatory.size, 0);
  assert.equal(op.forceComplete(), false, 'never completes twice');
});

test('completeAll answers every waiting operation (shutdown)', () => {
  const clock = new ManualClock();
  const purgatory = new Purgatory<string>('produce', clock);
  const ops = [1, 2, 3].map((n) => new WaitForOffset({ highWatermark: 0 }, n, 10_000));
  ops.forEach((op, i) => purgatory.tryCompleteElseWatch(op, [`k${i % 2}`, 'shared']));
  purgatory.completeAll();
  assert.deepEqual(
    ops.map((o) => o.results),
    [['done at 0'], ['done at 0'], ['done at 0']],
  );
  assert.equal(purgatory.size, 0);
  assert.equal(clock.pending, 0);
});

test('many operations on one key complete from a single check, in order of arrival', () => {
  const clock = new ManualClock();
  const purgatory = new Purgatory<number>('produce', clock);
  const state = { highWatermark: 0 };
  const order: number[] = [];
  class Tracked extends WaitForOffset {
    constructor(readonly n: number) {
      super(state, n, 60_000);
    }
    protected override onComplete(): void {
      order.push(this.n);
    }
  }
  for (let n = 1; n <= 1000; n++) purgatory.tryCompleteElseWatch(new Tracked(n), [0]);
  state.highWatermark = 600;
  assert.equal(purgatory.checkAndComplete(0), 600);
  assert.equal(purgatory.size, 400);
  assert.deepEqual(order.slice(0, 3), [1, 2, 3]);
  assert.equal(order.length, 600);
});

test('the system clock runs timers for real and does not hold the process', async () => {
  const purgatory = new Purgatory<string>('fetch', systemClock);
  const op = new WaitForOffset({ highWatermark: 0 }, 1, 30);
  const started = Date.now();
  purgatory.tryCompleteElseWatch(op, ['k']);
  while (!op.isCompleted) await new Promise((r) => setTimeout(r, 5));
  assert.ok(Date.now() - started >= 25);
  assert.deepEqual(op.results, ['timed out']);
});
