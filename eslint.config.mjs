import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'bundle/dist/**',
      'coverage/**',
      '**/*.generated.*',
      // Fixture repositories the act harness runs the examples in: their own projects, with their own dependencies.
      'testing/*/fixtures/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@actions/core',
              message:
                'Only the action runtime (packages/action-runtime/src/runner-host.ts) talks to the runner; take an ActionRuntime or a Logger.',
            },
            {
              name: '@actions/github',
              message:
                'The workflow run is rt.run (the action kit reads the event once); GitHub clients come from rt.github() or @gauntlet/github createOctokit.',
            },
          ],
        },
      ],
    },
  },
  {
    // The runner adapter, and the one Octokit factory (the client of @actions/github, never its context).
    files: [
      'packages/action-runtime/src/runner-host.ts',
      'packages/github/src/octokit.ts',
      'packages/github-api-standin/src/**/*.test.ts',
      // The act harness's test-only stand-ins for third-party actions are actions of their own.
      'testing/act/src/stand-ins/**',
    ],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: [
      '**/*.test.ts',
      'test/**',
      'bench/**',
      'scripts/**',
      'packages/testbed/**',
      'packages/github-api-standin/**',
      'testing/**',
    ],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  { files: ['**/*.mjs', '**/*.js'], ...tseslint.configs.disableTypeChecked },
  { files: ['bin/**/*.js', '**/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
);
