/**
 * A lock file between processes on one machine: created exclusively, holding the owner's pid.
 * A lock whose owner has died (a run killed half-way) is taken over; a live owner is waited for.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';

interface Owner {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

function readOwner(path: string): { text: string; owner: Owner | undefined } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined; // released in the meantime
  }
  try {
    const owner = JSON.parse(text) as Owner;
    return { text, owner: typeof owner.pid === 'number' ? owner : undefined };
  } catch {
    return { text, owner: undefined };
  }
}

function isAlive(owner: Owner): boolean {
  if (owner.host !== hostname()) return true; // a shared cache on another machine: cannot tell, so wait
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` while holding the lock at `path`. `waiting` is called once, with the owner's pid,
 * when another live process holds it.
 */
export async function withLock<T>(path: string, waiting: (pid: number, since: string) => void, work: () => Promise<T>, pollMs = 1000): Promise<T> {
  const mine = JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() } satisfies Owner);
  let announced = false;
  for (;;) {
    try {
      writeFileSync(path, mine, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const current = readOwner(path);
    if (!current) continue;
    // A file that is not JSON yet may be one being written this instant: only an unreadable one
    // seen twice, or one whose owner is gone, is stale.
    const stale = current.owner ? !isAlive(current.owner) : readOwner(path)?.text === current.text && announced;
    if (stale) {
      // Remove it only if it is still the stale one we read, so a fresh lock taken meanwhile survives.
      if (readOwner(path)?.text === current.text) unlinkSync(path);
      continue;
    }
    if (!announced && current.owner) waiting(current.owner.pid, current.owner.since);
    announced = true;
    await sleep(pollMs);
  }
  try {
    return await work();
  } finally {
    if (readOwner(path)?.text === mine) unlinkSync(path);
  }
}
