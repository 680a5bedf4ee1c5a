import nextVitals from 'eslint-config-next/core-web-vitals';
import nextTypeScript from 'eslint-config-next/typescript';

const config = [
  ...nextVitals,
  ...nextTypeScript,
  {
    ignores: ['node_modules/**', '.next/**', '.next-browser-tests/**', '.next-browser-dev/**', '.local-stack/**', '.tmp/**', 'test-results/**', 'playwright-report/**', 'next-env.d.ts', 'lib/db/database.types.ts'],
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
];

export default config;
