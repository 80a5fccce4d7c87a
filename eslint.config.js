// ESLint (flat config): type-aware typescript-eslint over src, checks, test, bench and scripts, plus the
// layer rules of docs/design: checks and the pure modules do no I/O and never reach the CLI.

import js from '@eslint/js';
import globals from 'globals';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Modules that do I/O: only probes (and the safe writer, the commands, the tests) may load them. */
const IO_MODULES = [
  'fs',
  'fs/promises',
  'net',
  'dns',
  'dns/promises',
  'dgram',
  'tls',
  'http',
  'https',
  'http2',
  'child_process',
  'undici',
  'ws',
].flatMap((name) => (['undici', 'ws'].includes(name) ? [name] : [name, `node:${name}`]));

const NO_IO = IO_MODULES.map((name) => ({ name, message: 'Only probes do I/O: take the value as a fact instead.' }));
const NO_PROBES = { regex: '(^|/)probes/', message: 'Judge facts, do not gather them: the runner calls the probes.' };
const NO_COMMANDS = {
  regex: '(^|/)commands/',
  message: 'The command line is the outermost layer: nothing imports it.',
};
const NO_CLI = {
  regex: '(^|/)(cli|main)(\\.js)?$',
  message: 'The command line is the outermost layer: nothing imports it.',
};
const NO_LOGS = { regex: '(^|/)logs/', message: 'The catalog is data: it does not know the log parser.' };

/** One `no-restricted-imports` per set of files: flat config replaces, never merges, a rule's options. */
function layer(files, paths, patterns) {
  return { files, rules: { 'no-restricted-imports': ['error', { paths, patterns }] } };
}

export default defineConfig(
  {
    ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'fixtures/**', 'test/fixtures/**', 'tmp/**'],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        // One program for every linted file, with the same strictness as `tsc -p tsconfig.check.json`.
        project: './tsconfig.eslint.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // The bugs that matter in a CLI full of sockets and timers.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/prefer-promise-reject-errors': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],

      // Churn without a bug behind it here:
      // - parsed JSON/YAML, JSON.parse and test doubles are `any` by nature; the model validates them.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      // - `unbound-method` flags `expect(x.method)` and destructured Node APIs that never use `this`.
      '@typescript-eslint/unbound-method': 'off',
      // - async functions without await keep one signature in maps of handlers (reporters, probes).
      '@typescript-eslint/require-await': 'off',
      // - escape and control characters in regexes are the point of the redactor, the XML writer and the log reader.
      'no-control-regex': 'off',
    },
  },
  {
    // Tests build deliberately loose or malformed Compose, YAML and JSON documents to mutate.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The issue wants checks free of `!` after a guard: the type of a fact carries what the guard proved.
    files: ['checks/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'error' },
  },

  // The layers. Checks, the model, the PKI and the reporters are pure: no I/O, no probes, no CLI.
  layer(['checks/**/*.ts', 'src/model/**/*.ts', 'src/pki/**/*.ts', 'src/reporters/**/*.ts'], NO_IO, [
    NO_PROBES,
    NO_COMMANDS,
    NO_CLI,
  ]),
  layer(['src/core/**/*.ts'], [], [NO_COMMANDS, NO_CLI]),
  layer(['src/catalog/**/*.ts'], [], [NO_LOGS, NO_COMMANDS, NO_CLI]),
);
