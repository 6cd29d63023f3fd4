import fc from 'fast-check';
import { OwnerTable } from '../../src/ipam/owner-table';
import { hashNumber, hashString, RowIndex } from '../../src/ipam/row-index';

/** Rows whose keys live in an array, as the allocator's columns keep them. */
class ArrayIndex<K extends string | number> extends RowIndex<K> {
  constructor(
    private readonly keys: K[],
    private readonly hash: (key: K) => number,
  ) {
    super();
  }

  protected hashOfKey(key: K): number {
    return this.hash(key);
  }

  protected hashOfRow(row: number): number {
    return this.hash(this.keys[row]!);
  }

  protected rowHasKey(row: number, key: K): boolean {
    return this.keys[row] === key;
  }
}

describe('row indexes behave like a Map under churn', () => {
  it('string keys', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 400 })), { minLength: 200, maxLength: 3000 }), (ops) => {
        const names: string[] = [];
        const index = new ArrayIndex(names, hashString);
        const model = new Map<string, number>();
        for (const [add, n] of ops) {
          const key = `owner-${n}`;
          if (add && !model.has(key)) {
            const row = names.length;
            names.push(key);
            index.insert(row);
            model.set(key, row);
          } else if (!add && model.has(key)) {
            index.delete(model.get(key)!);
            model.delete(key);
          }
        }
        expect(index.size).toBe(model.size);
        // One comparison per run: an expect per key would cost more than the index itself.
        const keys = Array.from({ length: 401 }, (_, n) => `owner-${n}`);
        expect(keys.map((k) => index.get(k))).toEqual(keys.map((k) => model.get(k)));
      }),
      { numRuns: 60 },
    );
  });

  it('number keys, including keys near 2^53 and keys that share low bits', () => {
    const keyArb = fc.oneof(
      fc.integer({ min: 0, max: 300 }),
      fc.integer({ min: 0, max: 300 }).map((n) => n * 4294967296), // same low 32 bits
      fc.integer({ min: 0, max: 50 }).map((n) => Number.MAX_SAFE_INTEGER - n),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), keyArb), { minLength: 200, maxLength: 3000 }), (ops) => {
        const keys: number[] = [];
        const index = new ArrayIndex(keys, hashNumber);
        const model = new Map<number, number>();
        for (const [add, key] of ops) {
          if (add && !model.has(key)) {
            const row = keys.length;
            keys.push(key);
            index.insert(row);
            model.set(key, row);
          } else if (!add && model.has(key)) {
            index.delete(model.get(key)!);
            model.delete(key);
          }
        }
        expect(index.size).toBe(model.size);
        expect(ops.map(([, key]) => index.get(key))).toEqual(ops.map(([, key]) => model.get(key)));
        expect(index.rows().sort((a, b) => a - b)).toEqual([...model.values()].sort((a, b) => a - b));
      }),
      { numRuns: 60 },
    );
  });
});

describe('OwnerTable', () => {
  const nameArb = fc.oneof(
    // Claim bindings sharing a few directories, as the allocator sees them.
    fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 300 })).map(([c, n]) => `edge${c}/ran/du-edge${c}-${n}-n3`),
    fc.integer({ min: 0, max: 300 }).map((n) => `plain-${n}`),
    fc.integer({ min: 0, max: 20 }).map((n) => `ns/ünïcödé-${n}`),
    fc.integer({ min: 0, max: 20 }).map((n) => `zone/名前-${n}`),
    fc.integer({ min: 0, max: 5 }).map((n) => `long/${'x'.repeat(250 + n * 2)}`),
    // Directories longer than a byte can count, names longer than the hashing scratch buffer.
    fc.integer({ min: 0, max: 5 }).map((n) => `${'d'.repeat(300)}/x-${n}`),
    fc.integer({ min: 0, max: 5 }).map((n) => `${'d'.repeat(600 + n)}/x-${n}`),
    fc.integer({ min: 0, max: 5 }).map((n) => `dir/${'x'.repeat(520 + n)}`),
    fc.constantFrom('', '/', 'a/', '/b', 'a//b'),
  );

  it('interns, finds, names and forgets owners like a Map, through removals that compact the pages', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), nameArb), { minLength: 300, maxLength: 4000 }), (ops) => {
        const table = new OwnerTable();
        const model = new Map<string, number>();
        for (const [dice, name] of ops) {
          const id = model.get(name);
          if (dice < 3 && id === undefined) model.set(name, table.add(name));
          else if (dice < 6 && id === undefined) {
            // The allocator's way: hash once, look up, add with the hash.
            const h = table.hash(name);
            if (h !== hashString(name) || table.find(name, h) !== -1) {
              expect([h, table.find(name, h)]).toEqual([hashString(name), -1]);
            }
            model.set(name, table.add(name, h));
          }
          else if (dice >= 6 && id !== undefined) {
            table.remove(id);
            model.delete(name);
          }
        }
        expect(table.size).toBe(model.size);
        const ids = new Set<number>();
        const live = [...model];
        expect(live.map(([name]) => table.idOf(name))).toEqual(live.map(([, id]) => id));
        expect(live.map(([, id]) => table.name(id))).toEqual(live.map(([name]) => name));
        for (const [, id] of live) ids.add(id);
        expect(ids.size).toBe(model.size);
        const gone = ops.map(([, name]) => name).filter((name) => !model.has(name));
        expect(gone.map((name) => table.idOf(name))).toEqual(gone.map(() => -1));
      }),
      { numRuns: 40 },
    );
  });

  it('keeps names through many compactions that reuse their pages', () => {
    const table = new OwnerTable();
    const live = new Map<string, number>();
    for (let round = 0; round < 60; round++) {
      for (let i = 0; i < 3000; i++) {
        const name = `edge${(round * 7 + i) % 50}/ran/du-${round}-${i}-n3-ipv6`;
        live.set(name, table.add(name, table.hash(name)));
      }
      // Keep one in ten of the older names: each round leaves mostly garbage behind.
      let k = 0;
      for (const [name, id] of live) {
        if (k++ % 10 !== 0) {
          table.remove(id);
          live.delete(name);
        }
      }
    }
    const kept = [...live];
    expect(kept.map(([, id]) => table.name(id))).toEqual(kept.map(([name]) => name));
    expect(kept.map(([name]) => table.idOf(name))).toEqual(kept.map(([, id]) => id));
    expect(table.size).toBe(live.size);
  });

  it('keeps names across page boundaries and compaction', () => {
    const table = new OwnerTable();
    const names = Array.from({ length: 20000 }, (_, i) => `cluster${i % 97}/ns${i % 3}/claim-name-number-${i}-of-a-long-series`);
    const ids = names.map((n) => table.add(n));
    for (let i = 0; i < names.length; i += 4) if (i % 3 !== 0) table.remove(ids[i]!);
    const gone = (i: number): boolean => i % 4 === 0 && i % 3 !== 0;
    expect(names.map((n) => table.idOf(n))).toEqual(names.map((_, i) => (gone(i) ? -1 : ids[i])));
    const keptAt = names.flatMap((_, i) => (gone(i) ? [] : [i]));
    expect(keptAt.map((i) => table.name(ids[i]!))).toEqual(keptAt.map((i) => names[i]));
  });
});
