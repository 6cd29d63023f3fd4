/**
 * Jest transform: strips TypeScript types with esbuild, which the build already uses (type
 * checking is `npm run typecheck`, once, not per test file).
 */
const { transformSync } = require('esbuild');

module.exports = {
  process(source, filename) {
    const { code } = transformSync(source, {
      loader: 'ts',
      format: 'cjs',
      target: 'node18',
      sourcemap: 'inline',
      sourcefile: filename,
    });
    return { code };
  },
};
