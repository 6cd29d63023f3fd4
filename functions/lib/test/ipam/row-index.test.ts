import fc from 'fast-check';
import { NumberIndex, OwnerIndex } from '../../src/ipam/row-index';

describe('row indexes behave like a Map under churn', () => {
  it('OwnerIndex', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 400 })), { minLength: 200, maxLength: 3000 }), (ops) => {
        const names: string[] = [];
        const index = new OwnerIndex((row) => names[row]!);
        const model = new Map<string, number>();
        for (const [add, n] of ops) {
          const key = `owner-${n}`;
          if (add && !model.has(key)) {
            const row = names.length;
            names.push(key);
            index.insert(key, row);
            model.set(key, row);
          } else if (!add) {
            index.delete(key);
            model.delete(key);
          }
        }
        expect(index.size).toBe(model.size);
        for (let n = 0; n <= 400; n++) expect(index.get(`owner-${n}`)).toBe(model.get(`owner-${n}`));
      }),
      { numRuns: 60 },
    );
  });

  it('NumberIndex, including keys near 2^53 and keys that share low bits', () => {
    const keyArb = fc.oneof(
      fc.integer({ min: 0, max: 300 }),
      fc.integer({ min: 0, max: 300 }).map((n) => n * 4294967296), // same low 32 bits
      fc.integer({ min: 0, max: 50 }).map((n) => Number.MAX_SAFE_INTEGER - n),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), keyArb), { minLength: 200, maxLength: 3000 }), (ops) => {
        const index = new NumberIndex();
        const model = new Map<number, number>();
        let row = 0;
        for (const [add, key] of ops) {
          if (add && !model.has(key)) {
            index.insert(key, row);
            model.set(key, row++);
          } else if (!add) {
            index.delete(key);
            model.delete(key);
          }
        }
        expect(index.size).toBe(model.size);
        for (const [, key] of ops) expect(index.get(key)).toBe(model.get(key));
        expect(index.rows().sort((a, b) => a - b)).toEqual([...model.values()].sort((a, b) => a - b));
      }),
      { numRuns: 60 },
    );
  });
});
