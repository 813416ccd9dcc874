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
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
