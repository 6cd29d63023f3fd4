// Lint for the sources: eslint's and typescript-eslint's recommended rules, which the project
// passes as they are except where a rule below says why. Bundles, fixtures and vendored data are
// not source.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const node = { process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly' };

export default tseslint.config(
  { ignores: ['**/dist/**', 'node_modules/**', 'fixtures/**', 'third_party/**', '.bench/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // `_name` marks a binding kept for its position (a destructured slot, a callback parameter).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    files: ['test/**', 'functions/*/test/**'],
    rules: {
      // Tests read arbitrary YAML documents and poke into them; the sources stay free of `any`.
      '@typescript-eslint/no-explicit-any': 'off',
      // Test regexes match printed tables, where the literal spaces are what the reader compares.
      'no-regex-spaces': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: node },
    // jest's transformer and configs are CommonJS by jest's contract.
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
