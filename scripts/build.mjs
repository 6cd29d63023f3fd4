// Bundles each function into one executable file, functions/<name>/dist/<name>.js, so a render
// loads one file per function (start-up cost) and `exec:` entries need no node_modules lookup.
import { build } from 'esbuild';
import { chmodSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const FUNCTIONS = ['interface-fn', 'ipam-fn', 'nad-fn', 'deployment-annotate-fn'];

const only = process.argv.slice(2);
for (const name of FUNCTIONS) {
  if (only.length && !only.includes(name)) continue;
  const entry = join(root, 'functions', name, 'src', 'main.ts');
  if (!existsSync(entry)) continue;
  const outfile = join(root, 'functions', name, 'dist', `${name}.js`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'cjs',
    minifySyntax: true,
    legalComments: 'none',
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
  });
  chmodSync(outfile, 0o755);
}
