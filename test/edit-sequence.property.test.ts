/**
 * Day-2 edits as a standing test (test/edit-sequence/): fast-check applies random sequences of user
 * edits to the example's two clusters (workloads with Interfaces, shared and per-cluster pools,
 * VLAN Interfaces and per-cluster VLAN indexes) - rename a workload, rename an Interface, change
 * a workload's namespace, move a package, add or remove an Interface, add a workload, widen or
 * shrink a pool, switch an Interface to or from a VLAN, change replicas, add a second networks
 * package (disjoint or overlapping) - rendering after each, and checks every render (see
 * edit-sequence/replay.ts). Each sequence renders one way: netpipe-fn over the whole tree, the
 * four functions chained (and compared with netpipe-fn), or package by package against a real
 * etcd ledger (a fifth of the runs).
 *
 * A failure shrinks to the shortest sequence and prints it as JSON: save it as
 * fixtures/edit-sequences/<name>.json and edit-sequence.replay.test.ts replays it from then on.
 * `EDIT_RUNS=1000 npx jest test/edit-sequence.property` for a long run; `EDIT_SEED` repeats one.
 */
import fc from 'fast-check';
import { Edit, Mode, Sequence } from './edit-sequence/model';
import { LedgerServer, startLedgerServer } from './edit-sequence/render';
import { baseTree, replay, SequenceFailure } from './edit-sequence/replay';

const RUNS = Number(process.env.EDIT_RUNS ?? 100);
const SEED = process.env.EDIT_SEED === undefined ? undefined : Number(process.env.EDIT_SEED);

jest.setTimeout(Math.max(120000, RUNS * 3000));

const pick = fc.nat({ max: 1000 });
const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('renameWorkload' as const), pick }),
  fc.record({ kind: fc.constant('renameInterface' as const), pick }),
  fc.record({ kind: fc.constant('moveNamespace' as const), pick }),
  fc.record({ kind: fc.constant('removeInterface' as const), pick }),
  fc.record({ kind: fc.constant('widenPool' as const), pick }),
  fc.record({ kind: fc.constant('shrinkPool' as const), pick, by: pick }),
  fc.record({ kind: fc.constant('toggleVlan' as const), pick }),
  fc.record({ kind: fc.constant('movePackage' as const), pick }),
  fc.record({ kind: fc.constant('addInterface' as const), pick, network: pick }),
  fc.record({ kind: fc.constant('addWorkload' as const), pick, network: pick }),
  fc.record({ kind: fc.constant('setReplicas' as const), pick, replicas: pick }),
  fc.record({ kind: fc.constant('addNetworks' as const), pick, overlap: fc.boolean() }),
);
const modeArb: fc.Arbitrary<Mode> = fc.oneof({ arbitrary: fc.constant('tree' as const), weight: 2 }, { arbitrary: fc.constant('four' as const), weight: 2 }, { arbitrary: fc.constant('ledger' as const), weight: 1 });
const sequenceArb: fc.Arbitrary<Sequence> = fc.record({ mode: modeArb, edits: fc.array(editArb, { minLength: 1, maxLength: 6 }) });

let server: LedgerServer;

beforeAll(async () => {
  server = await startLedgerServer();
  await baseTree();
});

afterAll(async () => {
  await server?.stop();
});

describe('edit sequences on the example packages', () => {
  it('every edit keeps attachments, addresses and VLANs, or says what changed', async () => {
    const started = Date.now();
    const modes = new Map<Mode, number>();
    const details = await fc.check(
      fc.asyncProperty(sequenceArb, async (sequence) => {
        modes.set(sequence.mode, (modes.get(sequence.mode) ?? 0) + 1);
        await replay(sequence, sequence.mode === 'ledger' ? await server.fresh() : undefined);
      }),
      { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}) },
    );
    if (details.failed) {
      const shortest = details.errorInstance instanceof SequenceFailure ? details.errorInstance.shortest : details.counterexample?.[0];
      const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      throw new Error(
        `edit sequence failed (seed ${details.seed}, shrunk ${details.numShrinks} times):\n${cause}\n\n` +
          `save as fixtures/edit-sequences/<name>.json to replay it:\n${JSON.stringify(shortest, null, 2)}`,
      );
    }
    process.stdout.write(`edit sequences: ${details.numRuns} runs (${[...modes].map(([m, n]) => `${m} ${n}`).join(', ')}) in ${Date.now() - started} ms, seed ${details.seed}\n`);
  });
});
