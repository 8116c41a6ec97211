// ESLint flat config. Lives in .ci/ so the top level stays as the product card
// fixes it; `npm run lint` passes it with -c.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // The OpenFlow library is a pure codec: no sockets, no application code.
    files: ['src/openflow/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['net', 'node:net', 'dgram', 'node:dgram', 'tls', 'node:tls', 'http', 'node:http', 'fs', 'node:fs'],
        patterns: [
          { group: ['../switch/*', '../radius/*', '../policy/*', '../reconcile/*', '../store/*', '../api/*', '../cli/*', '../app/*'],
            message: 'src/openflow is a standalone library: it must not import the application.' },
        ],
      }],
    },
  },
);
