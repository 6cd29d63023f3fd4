// Bundles each function into one executable file, functions/<name>/dist/<name>.js, so a render
// loads one file per function (start-up cost) and `exec:` entries need no node_modules lookup.
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { chmodSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const FUNCTIONS = ['interface-fn', 'ipam-fn', 'nad-fn', 'deployment-annotate-fn', 'netpipe-fn'];

const require = createRequire(import.meta.url);

/**
 * Replaces functions/lib/src/schema/validators.ts in the bundles by validators ajv generates
 * now, so a render loads neither ajv's compiler nor compiles schemas.
 */
async function precompiledValidators() {
  const { default: Ajv } = require('ajv');
  const standaloneCode = require('ajv/dist/standalone').default;
  const schemasBundle = await build({
    entryPoints: [join(root, 'functions/lib/src/schema/resource-schemas.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    logLevel: 'warning',
  });
  const mod = { exports: {} };
  new Function('module', 'exports', 'require', schemasBundle.outputFiles[0].text)(mod, mod.exports, require);
  const { SCHEMAS } = mod.exports;
  const ajv = new Ajv({ allErrors: true, strict: true, code: { source: true } });
  const refs = {};
  for (const [kind, schema] of Object.entries(SCHEMAS)) {
    ajv.addSchema(schema, kind);
    refs[kind] = kind;
  }
  const code = standaloneCode(ajv, refs);
  return {
    name: 'precompiled-validators',
    setup(b) {
      b.onResolve({ filter: /\/validators$/ }, (args) =>
        args.importer.endsWith(join('schema', 'validate.ts')) ? { path: 'precompiled-validators', namespace: 'validators' } : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: 'validators' }, () => ({
        contents: `const generated = (() => { const module = { exports: {} }; const exports = module.exports;\n${code}\nreturn module.exports; })();
export function validatorFor(kind) { const v = generated[kind]; if (!v) throw new Error('no schema for kind ' + kind); return v; }`,
        resolveDir: root,
        loader: 'js',
      }));
    },
  };
}

const only = process.argv.slice(2);
const plugins = [await precompiledValidators()];

/** One executable file: the functions and the CLI are bundled alike, so each starts without node_modules. */
async function bundleExecutable(entry, outfile) {
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
    plugins,
  });
  chmodSync(outfile, 0o755);
}

for (const name of FUNCTIONS) {
  if (only.length && !only.includes(name)) continue;
  const entry = join(root, 'functions', name, 'src', 'main.ts');
  if (!existsSync(entry)) continue;
  const outfile = join(root, 'functions', name, 'dist', `${name}.js`);
  await bundleExecutable(entry, outfile);
}

// The operator CLI (package.json `bin`), bundled the same way.
if (!only.length || only.includes('netpipe')) {
  const outfile = join(root, 'cli', 'dist', 'netpipe.js');
  await bundleExecutable(join(root, 'cli', 'src', 'netpipe.ts'), outfile);
}
