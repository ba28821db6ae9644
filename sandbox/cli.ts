/**
 * `npm run sandbox`: starts the sandbox and prints how to reach it. A local
 * developer tool: printing the generated sandbox secrets is intended.
 *
 *   --token-lifetime <s>   access token lifetime in seconds
 *   --throttle <json|on>   forwarded to the Dataverse handlers as `throttle`
 *   --faults <json|name>   forwarded to the Dataverse handlers as `faults`
 *   --entra <json>         Entra settings, e.g. {"faults":[{"kind":"status","status":503}]}
 *   --cache-dir <dir>      where TLS files and credentials live
 *   --port-base <n>        fixed ports: Entra n, orgs n+1.., discovery last
 */
import { parseArgs } from 'node:util';
import { describeSandbox } from './describe';
import { type SandboxOptions, startSandbox } from './index';

function parseValue(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'token-lifetime': { type: 'string' },
      throttle: { type: 'string' },
      faults: { type: 'string' },
      entra: { type: 'string' },
      'cache-dir': { type: 'string' },
      'port-base': { type: 'string' },
    },
  });
  const dataverse: Record<string, unknown> = {};
  if (values.throttle !== undefined) dataverse.throttle = parseValue(values.throttle);
  if (values.faults !== undefined) dataverse.faults = parseValue(values.faults);
  const sandbox = await startSandbox({
    cacheDir: values['cache-dir'],
    tokenLifetimeSeconds: values['token-lifetime'] ? Number(values['token-lifetime']) : undefined,
    portBase: values['port-base'] ? Number(values['port-base']) : undefined,
    dataverse: Object.keys(dataverse).length > 0 ? dataverse : undefined,
    entra: values.entra === undefined ? undefined : (parseValue(values.entra) as SandboxOptions['entra']),
  });
  process.stdout.write(`${describeSandbox(sandbox).join('\n')}\nPress Ctrl+C to stop.\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void sandbox.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`sandbox failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
