// ESLint flat config: typescript-eslint recommended + stylistic (not type-aware, for speed), browser globals for renderer/.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores([
    '**/node_modules/',
    'dist/',
    'release/',
    'renderer/dist/',
    'coverage/',
    'test-results/',
    'playwright-report/',
    'test/fixtures/',
  ]),
  {
    files: ['**/*.{js,mjs,cjs,ts,tsx,mts,cts}'],
    extends: [js.configs.recommended, tseslint.configs.recommended, tseslint.configs.stylistic],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // verbatimModuleSyntax: type-only imports must say so, and must not leave a side-effect import behind.
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Forensics code matches control characters on purpose (to show them escaped); the rule would only add noise.
      'no-control-regex': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-var': 'error',
      'prefer-const': 'error',
    },
  },
  {
    // The renderer runs in the browser only.
    files: ['renderer/**/*.{ts,tsx,js}'],
    ignores: ['renderer/vite.config.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // CommonJS files (the sandboxed Electron preload): `import x = require()` is TypeScript's typed CommonJS import.
    files: ['**/*.cjs', '**/*.cts'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': ['error', { allowAsImport: true }] },
  },
  {
    // Ambient declarations need `declare var` to describe global values.
    files: ['**/*.d.ts'],
    rules: { 'no-var': 'off' },
  },
);
