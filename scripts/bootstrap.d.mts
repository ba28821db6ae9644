// Types for bootstrap.mjs, which runs under plain node before TypeScript tooling is installed.
export function stage<T>(label: string, work: () => T | Promise<T>, log?: (line: string) => void): Promise<T>;
export function nodeModulesState(root: string): string | undefined;
export function ensureNodeModules(root?: string): Promise<void>;
