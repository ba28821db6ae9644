import { performance } from 'node:perf_hooks';
import { createRedactingLogger, redact, secretRegistry } from '../src/core/logger';
import type { BenchCase } from './harness';

// Every log line is redacted before it is written; this measures what that
// costs against writing the same line unredacted to the same sink.
const line = 'GET https://contoso.crm.dynamics.com/api/data/v9.2/accounts?$select=name,accountnumber&$top=50 200 in 183 ms (page 3 of 12)';
const sink = { lines: 0, trace: (_m: string) => sink.lines++, debug: (_m: string) => sink.lines++, info: (_m: string) => sink.lines++, warn: (_m: string) => sink.lines++, error: (_m: string) => sink.lines++ };
const logger = createRedactingLogger(sink);

const MB = 1024 * 1024;
const fill = (unit: string) => unit.repeat(Math.ceil(MB / unit.length)).slice(0, MB);
/** One megabyte of text built to make a backtracking pattern quadratic, mixed from the shapes redaction looks for. */
const adversarial = fill('eyJ-a.b password=x& "password":"a b\\" \\"secret\\":\\"c Bearer abcdefgh=" //a:b -----BEGIN PRIVATE KEY-----\nMIIE code%3D%2 a-');
const plainMb = fill('GET https://contoso.crm.dynamics.com/api/data/v9.2/WhoAmI 200 in 120 ms; ');

/** A registry as full as a long session makes it: a few secrets and the newest tokens. */
function fullRegistry(): void {
  secretRegistry.clear();
  for (let i = 0; i < 8; i++) secretRegistry.registerSecret(`client-secret-${i}-${'s'.repeat(32)}`);
  for (let i = 0; i < 64; i++) secretRegistry.registerToken(`eyJ0eXAiOiJKV1QifQ.${'p'.repeat(1200)}${i}.${'s'.repeat(342)}`);
}

function timeOnce(text: string): number {
  const start = performance.now();
  redact(text);
  return performance.now() - start;
}

export const loggingCases: BenchCase[] = [
  {
    name: 'log line',
    baseline: { label: 'sink.info(line)', run: () => sink.info(line) },
    subject: { label: 'redacting logger.info(line)', run: () => logger.info(line) },
    opsPerRound: 20_000,
  },
  {
    name: 'redact 1 MB adversarial text',
    baseline: { label: 'redact(1 MB of log lines)', run: () => redact(plainMb) },
    subject: { label: 'redact(1 MB adversarial)', run: () => redact(adversarial) },
    opsPerRound: 2,
    rounds: 5,
    figures: () => {
      secretRegistry.clear();
      const empty = Math.min(...[0, 1, 2].map(() => timeOnce(adversarial)));
      fullRegistry();
      const full = Math.min(...[0, 1, 2].map(() => timeOnce(adversarial)));
      secretRegistry.clear();
      return { 'ms per MB, no secrets registered': empty.toFixed(1), 'ms per MB, 8 secrets + 64 tokens registered': full.toFixed(1) };
    },
  },
];
