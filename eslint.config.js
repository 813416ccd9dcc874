// ESLint over the sources and tests of every workspace, with typescript-eslint's type-checked rules.
// Each file is typed by the tsconfig.json that holds it: a workspace's own for src/, the root one
// (which includes every workspace's tests, test/ and vitest.config.ts) for the rest.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/', '**/node_modules/', '**/coverage/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A leading underscore marks a name kept on purpose: a field left out of a rest copy
      // (`const { secret: _s, ...rest } = o`), a position a callback's signature requires.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
      // Off: an `async` function without `await` implements a Promise-returning interface
      // (adapters, test doubles); dropping `async` would turn its throw into a synchronous throw
      // instead of a rejected promise, a change of behaviour for every caller.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/test/**/*.ts', 'test/**/*.ts'],
    rules: {
      // Off in tests only: they read JSON they did not type (the @octokit/webhooks-examples
      // payloads, HTTP and stand-in answers, Redis hashes) as `any` and assert on its fields, so
      // a wrong shape fails the test's assertion. Sources keep these rules.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
