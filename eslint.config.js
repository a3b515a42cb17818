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
          { name: 'samlify', message: 'samlify is a test-only judge: import it only in test/helpers/samlify.ts.' },
          { name: 'xml-crypto', message: 'Import xml-crypto only in src/saml/xmlSignature.ts (STYLE.md §2).' },
          { name: '@simplewebauthn/server', message: 'Import @simplewebauthn/server only in src/auth/webauthn.ts (STYLE.md §2).' },
        ],
      }],
    },
  },
  {
    files: ['src/saml/xmlSignature.ts', 'src/auth/webauthn.ts', 'test/**', 'bench/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Tests may use xml-crypto and @simplewebauthn/server as independent tools, but samlify only through one helper.
    files: ['test/**', 'bench/**'],
    ignores: ['test/helpers/samlify.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'samlify', message: 'Import samlify only in test/helpers/samlify.ts.' }],
      }],
    },
  },
);
