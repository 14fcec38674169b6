// ESLint (flat config) with typescript-eslint's recommended rules. `npm run lint` runs it with
// prettier --check and the dependency rules (.dependency-cruiser.js); .ci/run runs `npm run lint`.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const globals = require('globals');

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.local/**', 'coverage/**', 'out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      // Unused names are allowed when they say so (`_x`), e.g. destructuring to drop a field.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // Host and SDK shapes are loosely typed at the edges (RPC data, JSON bodies); narrowed right after.
      '@typescript-eslint/no-explicit-any': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
      'no-empty': ['error', { allowEmptyCatch: true }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // `a && b()` and `c ? d() : e()` as statements are idiomatic in the numeric code.
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
      // Closures that return an object of methods keep `this` under a name (`const f = this`).
      '@typescript-eslint/no-this-alias': 'off',
      // Only functions/ and the composition root may touch the Functions programming model.
      'no-restricted-imports': [
        'error',
        { paths: [{ name: '@azure/functions', message: 'only functions/*.ts register with @azure/functions; cores stay free of Functions types' }] },
      ],
    },
  },
  { files: ['functions/**/*.ts', 'src/host/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'], rules: { 'no-restricted-imports': 'off' } },
  // The numeric code updates several accumulators in one statement (`(tp++, p--)`): comma sequences there are deliberate.
  { files: ['src/automl/**/*.ts', 'bench/automl/**/*.ts'], rules: { '@typescript-eslint/no-unused-expressions': 'off' } },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  { files: ['test/**/*.ts', 'bench/**/*.ts'], rules: { '@typescript-eslint/no-require-imports': 'off', '@typescript-eslint/no-non-null-assertion': 'off' } },
  {
    files: ['**/public/**/*.js', 'src/dashboard/assets/**/*.js'],
    languageOptions: { globals: { ...globals.browser }, sourceType: 'script' },
  },
);
