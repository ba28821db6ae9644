/**
 * Deterministic randomness for the Dataverse stand-in: every generated value
 * is a pure function of (seed, key), so the same seed always yields the same
 * tables, rows and ids, and a row can be rebuilt from its index alone.
 */

/** 32-bit FNV-1a over a string, then a murmur-style finaliser for spread. */
export function hash32(text: string): number {
  return mix32(fnv1a(text));
}

/** FNV-1a state after `text`, before the finaliser; `fnv1aStep` extends it by one character. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = fnv1aStep(h, text.charCodeAt(i));
  return h;
}

function fnv1aStep(h: number, charCode: number): number {
  return Math.imul(h ^ charCode, 0x01000193);
}

/** Avalanche finaliser (murmur3 fmix32). */
export function mix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A small seeded PRNG (mulberry32); `next()` is uniform in [0, 1). */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  static of(...parts: Array<string | number>): Rng {
    return new Rng(hash32(parts.join('\u0001')));
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(minInclusive: number, maxInclusive: number): number {
    return minInclusive + Math.floor(this.next() * (maxInclusive - minInclusive + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Eight lower-case hex digits of a 32-bit value (a table lookup: ids are built for every generated row). */
function hex8(n: number): string {
  return HEX_BYTE[(n >>> 24) & 0xff]! + HEX_BYTE[(n >>> 16) & 0xff]! + HEX_BYTE[(n >>> 8) & 0xff]! + HEX_BYTE[n & 0xff]!;
}

/** A stable GUID (version-4 shaped) derived from a key. */
export function stableGuid(...parts: Array<string | number>): string {
  const key = parts.join('\u0001');
  const a = hash32(key);
  const b = hash32(key + '\u0002');
  const c = hash32(key + '\u0003');
  const d = hash32(key + '\u0004');
  const s = hex8(a) + hex8(b) + hex8(c) + hex8(d);
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-${'89ab'[b & 3]}${s.slice(17, 20)}-${s.slice(20, 32)}`;
}

const INDEX_BITS_MASK = 0xffffffffffff;

/**
 * Row ids for generated rows: the first 20 hex digits are a hash of
 * (seed, table, index) so ids look random and sort unrelated to the index;
 * the last 12 hold the index xor a per-table mask, so an id maps back to its
 * row without any lookup table (100,000 rows need no id map in memory).
 */
export class RowIdCodec {
  private readonly mask: number;
  /** Ids already built, by index: a query over 100,000 rows asks for each id many times. */
  private readonly known: string[] = [];
  constructor(private readonly seed: string, private readonly table: string) {
    this.mask = (hash32(`${seed}|${table}|mask`) * 0x10000 + (hash32(`${table}|${seed}`) & 0xffff)) % INDEX_BITS_MASK;
  }
  idOf(index: number): string {
    return this.known[index] ??= this.build(index);
  }
  private build(index: number): string {
    // hash32(key), hash32(key + '#') and hash32(key + '$'), sharing the pass over the key.
    const h = fnv1a(`${this.seed}|${this.table}|${index}`);
    const a = mix32(h);
    const b = mix32(fnv1aStep(h, 0x23));
    const c = mix32(fnv1aStep(h, 0x24));
    const head = hex8(a) + hex8(b) + hex8(c);
    const tail = (xor48(index, this.mask)).toString(16).padStart(12, '0');
    return `${head.slice(0, 8)}-${head.slice(8, 12)}-4${head.slice(13, 16)}-${'89ab'[b & 3]}${head.slice(17, 20)}-${tail}`;
  }
  /** The row index an id encodes, or undefined when the id is not one of this table's generated ids. */
  indexOf(id: string, rowCount: number): number | undefined {
    const lower = id.toLowerCase();
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(lower)) return undefined;
    const index = xor48(parseInt(lower.slice(24), 16), this.mask);
    if (index < 0 || index >= rowCount) return undefined;
    return this.idOf(index) === lower ? index : undefined;
  }
}

function xor48(a: number, b: number): number {
  const hiA = Math.floor(a / 0x1000000);
  const loA = a % 0x1000000;
  const hiB = Math.floor(b / 0x1000000);
  const loB = b % 0x1000000;
  return ((hiA ^ hiB) >>> 0) * 0x1000000 + ((loA ^ loB) >>> 0);
}
