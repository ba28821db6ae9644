// Lint: typescript-eslint's recommended rules, plus the one layering rule of
// the project: pure folders import neither `vscode` nor the glue.
import tseslint from 'typescript-eslint';

const GLUE = ['**/views/**', '**/webviews/host/**', '**/extension'];

const MSAL = ['**/auth/msal', '**/auth/msal/**', '@azure/msal-node'];

const pureFolderRule = {
  'no-restricted-imports': [
    'error',
    {
      paths: [{ name: 'vscode', message: 'Pure folders must not import vscode: move this code to the glue (src/views, src/webviews/host) or inject what it needs.' }],
      patterns: [{ group: GLUE, message: 'Pure folders must not import the glue: depend on an interface instead.' }],
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.test-artifacts/**', '.devkit-profile/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-exports': ['error', { restrictDefaultExports: { direct: true, named: true, defaultFrom: true, namedFrom: true, namespaceFrom: true } }],
    },
  },
  {
    files: [
      'src/core/**/*.ts',
      'src/auth/*.ts',
      'src/auth/msal/**/*.ts',
      'src/dataverse/**/*.ts',
      'src/odata/**/*.ts',
      'src/webviews/protocol/**/*.ts',
      'src/webviews/app/**/*.ts',
      // The Tables view's model is pure, so its tests need no editor.
      'src/views/explorer/tableTree.ts',
      'sandbox/**/*.ts',
    ],
    rules: pureFolderRule,
  },
  {
    // Only the composition root wires the glue together.
    files: ['src/**/*.ts'],
    ignores: ['src/extension.ts', 'src/views/**', 'src/webviews/host/**'],
    rules: pureFolderRule,
  },
  {
    // The engine takes a token provider; MSAL stays behind it (src/auth/msal).
    files: ['src/dataverse/**/*.ts', 'src/odata/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: pureFolderRule['no-restricted-imports'][1].paths,
          patterns: [
            ...pureFolderRule['no-restricted-imports'][1].patterns,
            { group: MSAL, message: 'src/dataverse and src/odata must not import src/auth/msal: take a BearerTokenProvider (src/dataverse/http.ts) instead.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
