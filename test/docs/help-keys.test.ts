import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { load } from 'js-yaml';

/**
 * Each bundle's `--help` lists the functionConfig data keys a user may write; the function's own
 * unknown-key error lists the keys it really reads. The two must be the same set, so a key added
 * to (or dropped from) a function cannot leave its help behind.
 */
const FUNCTIONS = ['interface-fn', 'ipam-fn', 'nad-fn', 'deployment-annotate-fn', 'netpipe-fn'];
const bundle = (fn: string): string => join(__dirname, '..', '..', 'functions', fn, 'dist', `${fn}.js`);

function helpKeys(fn: string): string[] {
  const r = spawnSync(process.execPath, [bundle(fn), '--help'], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  const lines = r.stdout.split('\n');
  const header = lines.findIndex((l) => /^functionConfig\b.*\bdata keys\b/.test(l));
  expect(header).toBeGreaterThanOrEqual(0);
  if (/data keys: none\.$/.test(lines[header])) return [];
  const keys: string[] = [];
  for (const line of lines.slice(header + 1)) {
    const m = /^ {2}([A-Za-z0-9]+)\s/.exec(line);
    if (!m) break;
    keys.push(m[1]);
  }
  return keys;
}

interface Result {
  message: string;
  severity: string;
  field?: { path: string };
}

/** The keys named by the function's error for a key nobody reads. */
function acceptedKeys(fn: string): string[] {
  const input = [
    'apiVersion: config.kubernetes.io/v1',
    'kind: ResourceList',
    'items: []',
    'functionConfig:',
    '  apiVersion: v1',
    '  kind: ConfigMap',
    '  metadata:',
    '    name: config',
    '  data:',
    '    zzNoSuchKey: "1"',
    '',
  ].join('\n');
  const r = spawnSync(process.execPath, [bundle(fn)], { input, encoding: 'utf8' });
  expect(r.status).toBe(1);
  const results = (load(r.stdout) as { results: Result[] }).results;
  const unknown = results.find((x) => x.field?.path === 'data.zzNoSuchKey');
  expect(unknown?.severity).toBe('error');
  const message = unknown?.message ?? '';
  if (message.includes('(it reads no data keys)')) return [];
  const m = /\(its keys are ([^)]*)\)/.exec(message);
  expect(m).not.toBeNull();
  return (m?.[1] ?? '').split(', ');
}

describe('--help lists exactly the functionConfig keys each function accepts', () => {
  it.each(FUNCTIONS)('%s', (fn) => {
    const listed = helpKeys(fn);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual(acceptedKeys(fn).sort());
  });

  it('the accepted key lists are not empty where a function has settings', () => {
    expect(acceptedKeys('nad-fn')).toEqual(['cniVersion', 'sriovResourceName']);
    expect(acceptedKeys('deployment-annotate-fn')).toEqual(['defaultRouteNetworks']);
    expect(acceptedKeys('interface-fn')).toEqual([]);
  });
});
