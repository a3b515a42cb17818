// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'artifacts/**', 'public/vendor/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly', window: 'readonly', document: 'readonly', fetch: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', {
        paths: [
          { name: 'samlify', message: 'Import samlify only in src/saml/samlifyAdapter.ts (STYLE.md §2).' },
          { name: 'xml-crypto', message: 'Import xml-crypto only in src/saml/xmlSignature.ts (STYLE.md §2).' },
          { name: '@simplewebauthn/server', message: 'Import @simplewebauthn/server only in src/auth/webauthn.ts (STYLE.md §2).' },
        ],
      }],
    },
  },
  {
    files: ['src/saml/samlifyAdapter.ts', 'src/saml/xmlSignature.ts', 'src/auth/webauthn.ts', 'test/**', 'bench/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
