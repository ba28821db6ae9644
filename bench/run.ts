/** `npm run bench`: runs every case side by side with its baseline and prints ratios. Optional filter: a substring of case names. */
import { activationCases } from './activation.bench';
import { dataverseQueryCases } from './dataverseQuery.bench';
import { formatResults, runCase, type BenchCase, type BenchResult } from './harness';
import { loggingCases } from './logging.bench';
import { odataCases } from './odata.bench';
import { odataKeystrokeCases } from './odataKeystroke.bench';
import { metadataCases } from './metadata.bench';
import { tokenCases } from './token.bench';
import { tokenInspectCases } from './tokenInspect.bench';

async function main(): Promise<void> {
  const filter = process.argv[2];
  const tokens = await tokenCases();
  const queries = await dataverseQueryCases();
  const metadata = await metadataCases();
  const keystrokes = await odataKeystrokeCases();
  try {
    const all: BenchCase[] = [...loggingCases, ...tokenInspectCases, ...odataCases, ...keystrokes.cases, ...tokens.cases, ...queries.cases, ...metadata.cases, ...activationCases()];
    const cases = filter ? all.filter((c) => c.name.includes(filter)) : all;
    const results: BenchResult[] = [];
    for (const c of cases) {
      process.stderr.write(`bench: ${c.name}...\n`);
      results.push(await runCase(c));
    }
    console.log(formatResults(results));
  } finally {
    await queries.close();
    await metadata.close();
    await keystrokes.close();
    await tokens.close();
  }
}

void main();
