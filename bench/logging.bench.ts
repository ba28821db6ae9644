import { createRedactingLogger } from '../src/core/logger';
import type { BenchCase } from './harness';

// Every log line is redacted before it is written; this measures what that
// costs against writing the same line unredacted to the same sink.
const line = 'GET https://contoso.crm.dynamics.com/api/data/v9.2/accounts?$select=name,accountnumber&$top=50 200 in 183 ms (page 3 of 12)';
const sink = { lines: 0, trace: (_m: string) => sink.lines++, debug: (_m: string) => sink.lines++, info: (_m: string) => sink.lines++, warn: (_m: string) => sink.lines++, error: (_m: string) => sink.lines++ };
const logger = createRedactingLogger(sink);

export const loggingCases: BenchCase[] = [
  {
    name: 'log line',
    baseline: { label: 'sink.info(line)', run: () => sink.info(line) },
    subject: { label: 'redacting logger.info(line)', run: () => logger.info(line) },
    opsPerRound: 20_000,
  },
];
