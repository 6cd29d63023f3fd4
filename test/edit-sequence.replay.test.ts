/**
 * Every edit sequence the standing test (edit-sequence.property.test.ts) has found, replayed with
 * the same checks: fixtures/edit-sequences/*.json, each `{"why", "mode", "edits"}`. A failure
 * names the file, the step and the broken check.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sequence } from './edit-sequence/model';
import { LedgerServer, startLedgerServer } from './edit-sequence/render';
import { baseTree, replay } from './edit-sequence/replay';

const DIR = join(__dirname, '..', 'fixtures', 'edit-sequences');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

let server: LedgerServer | undefined;

beforeAll(async () => {
  await baseTree();
});

afterAll(async () => {
  await server?.stop();
});

describe('recorded edit sequences', () => {
  it('are there', () => {
    expect(FILES.length).toBeGreaterThan(0);
  });

  it.each(FILES)('%s', async (file) => {
    const sequence = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Sequence;
    let ledger;
    if (sequence.mode === 'ledger') {
      server ??= await startLedgerServer();
      ledger = await server.fresh();
    }
    await replay(sequence, ledger);
  });
});
