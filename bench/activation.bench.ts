import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchCase } from './harness';

/**
 * `activation`: what VS Code pays when the extension starts, in a fresh Node
 * each time (module loading is cached within a process): require() of
 * dist/extension.js, then activate() against a stand-in `vscode`
 * (bench/activationProbe.cjs). The baseline is the same probe on an empty
 * extension, so the ratio is what our bundle adds to a bare start. Figures:
 * the medians of the load and activate() times measured inside the child,
 * and the sizes of the bundle and of the vendor files loaded on first need.
 * Needs a built bundle (`npm run build` or `npm run package`).
 */
const PROBE = join(__dirname, 'activationProbe.cjs');
const BUNDLE = join(__dirname, '..', 'dist', 'extension.js');

function probe(file: string): { loadMs: number; activateMs: number } {
  const child = spawnSync(process.execPath, [PROBE, file], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`The activation probe failed on ${file}: ${child.stderr}`);
  return JSON.parse(child.stdout) as { loadMs: number; activateMs: number };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function kilobytes(path: string): number {
  return Math.round(statSync(path).size / 1024);
}

export function activationCases(): BenchCase[] {
  if (!existsSync(BUNDLE)) {
    process.stderr.write('bench: activation skipped, dist/extension.js is missing (run npm run build first)\n');
    return [];
  }
  const empty = join(mkdtempSync(join(tmpdir(), 'devkit-activation-')), 'empty.js');
  writeFileSync(empty, 'exports.activate = () => undefined;\n');
  const vendor = join(__dirname, '..', 'dist', 'vendor');
  return [
    {
      name: 'activation',
      baseline: { label: 'empty extension', run: () => probe(empty) },
      subject: { label: 'dist/extension.js + activate()', run: () => probe(BUNDLE) },
      opsPerRound: 1,
      rounds: 11,
      figures: () => {
        const runs = Array.from({ length: 15 }, () => probe(BUNDLE));
        const load = median(runs.map((r) => r.loadMs));
        const activate = median(runs.map((r) => r.activateMs));
        return {
          'load ms': load.toFixed(1),
          'activate() ms': activate.toFixed(1),
          'total ms': (load + activate).toFixed(1),
          'bundle KB': kilobytes(BUNDLE),
          ...(existsSync(vendor) ? Object.fromEntries(readdirSync(vendor).filter((f) => f.endsWith('.js')).map((f) => [`${f} KB (on first need)`, kilobytes(join(vendor, f))])) : {}),
        };
      },
    },
  ];
}
