/** An in-memory MetadataFileSystem for tests, with switches to fail a write or a rename. */
import type { MetadataFileSystem } from '../../../../src/dataverse/metadata/metadataCache';

/** The files, and switches for failures. */
export interface MemoryFileSystem extends MetadataFileSystem {
  readonly files: Map<string, Uint8Array>;
  /** The next writeFile stores only half of its data, then fails (a crash mid-write). */
  failNextWrite: boolean;
  /** The next rename fails. */
  failNextRename: boolean;
}

export function memoryFileSystem(): MemoryFileSystem {
  const files = new Map<string, Uint8Array>();
  const fs: MemoryFileSystem = {
    files,
    failNextWrite: false,
    failNextRename: false,
    async readFile(path) {
      const data = files.get(path);
      return data ? new Uint8Array(data) : undefined;
    },
    async writeFile(path, data) {
      if (fs.failNextWrite) {
        fs.failNextWrite = false;
        files.set(path, data.slice(0, data.byteLength >> 1));
        throw new Error('ENOSPC: no space left on device');
      }
      files.set(path, new Uint8Array(data));
    },
    async rename(from, to) {
      if (fs.failNextRename) {
        fs.failNextRename = false;
        throw new Error('EPERM: operation not permitted, rename');
      }
      const data = files.get(from);
      if (!data) throw new Error(`ENOENT: ${from}`);
      files.set(to, data);
      files.delete(from);
    },
    async delete(path) {
      files.delete(path);
    },
    async mkdir() {},
  };
  return fs;
}
