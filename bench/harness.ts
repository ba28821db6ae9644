/**
 * Side-by-side benchmarks: each case runs a bare baseline and our code in the
 * same process, interleaved round by round, and reports the ratio of their
 * median times. Ratios, not wall times, are what the report compares; nothing
 * here asserts on a time.
 */
import { performance } from 'node:perf_hooks';

/** One side of a comparison. */
export interface Side {
  readonly label: string;
  /** Runs one operation; may be async. */
  readonly run: () => unknown;
  /** Runs after each operation, outside the timing: lets background work the person does not wait for (a cache write) settle. */
  readonly settle?: () => unknown;
}

/** A benchmark case: the bare baseline against the subject. */
export interface BenchCase {
  readonly name: string;
  readonly baseline: Side;
  readonly subject: Side;
  /** Operations per round (default 1,000). */
  readonly opsPerRound?: number;
  /** Rounds per side (default 15). */
  readonly rounds?: number;
  /** Extra figures to print beside the ratio (counts, sizes), computed once. */
  readonly figures?: () => Promise<Record<string, number | string>> | Record<string, number | string>;
}

/** The outcome of one case. */
export interface BenchResult {
  readonly name: string;
  readonly baselineLabel: string;
  readonly subjectLabel: string;
  /** Median time per operation, microseconds. */
  readonly baselineMicros: number;
  readonly subjectMicros: number;
  /** subject / baseline: 1.0 means as fast as the bare baseline. */
  readonly ratio: number;
  readonly figures: Record<string, number | string>;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function timeRound(side: Side, ops: number): Promise<number> {
  if (side.settle) {
    let total = 0;
    for (let i = 0; i < ops; i++) {
      const start = performance.now();
      const value = side.run();
      if (value instanceof Promise) await value;
      total += performance.now() - start;
      const settled = side.settle();
      if (settled instanceof Promise) await settled;
    }
    return (total * 1000) / ops;
  }
  const start = performance.now();
  for (let i = 0; i < ops; i++) {
    const value = side.run();
    if (value instanceof Promise) await value;
  }
  return ((performance.now() - start) * 1000) / ops;
}

export async function runCase(c: BenchCase): Promise<BenchResult> {
  const ops = c.opsPerRound ?? 1000;
  const rounds = c.rounds ?? 15;
  // Warm both sides up so the JIT has seen them before anything is counted.
  await timeRound(c.baseline, ops);
  await timeRound(c.subject, ops);
  const base: number[] = [];
  const subj: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate the order so that neither side always runs on a warmer machine.
    if (r % 2 === 0) {
      base.push(await timeRound(c.baseline, ops));
      subj.push(await timeRound(c.subject, ops));
    } else {
      subj.push(await timeRound(c.subject, ops));
      base.push(await timeRound(c.baseline, ops));
    }
  }
  const baselineMicros = median(base);
  const subjectMicros = median(subj);
  return {
    name: c.name,
    baselineLabel: c.baseline.label,
    subjectLabel: c.subject.label,
    baselineMicros,
    subjectMicros,
    ratio: subjectMicros / baselineMicros,
    figures: c.figures ? await c.figures() : {},
  };
}

/** Formats results as a table a person can read in a closing note. */
export function formatResults(results: readonly BenchResult[]): string {
  const lines = ['| case | baseline | subject | baseline µs/op | subject µs/op | ratio | figures |', '|---|---|---|---:|---:|---:|---|'];
  for (const r of results) {
    const figures = Object.entries(r.figures)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    lines.push(`| ${r.name} | ${r.baselineLabel} | ${r.subjectLabel} | ${r.baselineMicros.toFixed(3)} | ${r.subjectMicros.toFixed(3)} | ${r.ratio.toFixed(2)}x | ${figures} |`);
  }
  return lines.join('\n');
}
