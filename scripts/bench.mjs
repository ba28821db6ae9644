// `npm run bench`: the sandbox CA must be trusted before Node starts, so this
// creates it, then runs the benchmarks with NODE_EXTRA_CA_CERTS set.
import { spawnSync } from 'node:child_process';
import { sandboxCaBundle } from './sandboxCa.mjs';

// The activation case measures the production bundle, so it is built first.
const build = spawnSync(process.execPath, ['esbuild.mjs', '--production'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const bundle = sandboxCaBundle();
const result = spawnSync('npx', ['tsx', 'bench/run.ts', ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, NODE_EXTRA_CA_CERTS: bundle } });
process.exit(result.status ?? 1);
