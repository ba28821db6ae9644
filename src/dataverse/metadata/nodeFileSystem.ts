/** The metadata cache's file system over Node's `fs/promises` (what the glue and the benchmarks pass). */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { MetadataFileSystem } from './metadataCache';

/** Node's file system, in the shape the metadata cache needs. */
export const nodeMetadataFileSystem: MetadataFileSystem = {
  async readFile(path) {
    try {
      return await readFile(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  },
  writeFile: (path, data) => writeFile(path, data),
  rename: (from, to) => rename(from, to),
  delete: (path) => rm(path, { force: true }),
  mkdir: async (path) => {
    await mkdir(path, { recursive: true });
  },
};
