// Lint rules double as the architecture's fences (see STYLE.md): koffi lives only in
// worker/libbpf, express only in api, the compiler is pure, and api never reaches into worker.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeIo = [
  'fs',
  'node:fs',
  'fs/promises',
  'node:fs/promises',
  'child_process',
  'node:child_process',
  'net',
  'node:net',
  'http',
  'node:http',
  'https',
  'node:https',
  'dgram',
  'node:dgram',
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'api/generated/**',
      'test/fixtures/**',
      '.bpfq/**',
      'test/.tmp/**',
      'bench/.tmp/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'koffi', message: 'koffi is only imported under worker/libbpf/.' }] },
      ],
    },
  },
  {
    files: ['worker/libbpf/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['compiler/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeIo.map((name) => ({
              name,
              message: 'compiler/ is pure: host facts come through CompilerHost.',
            })),
            { name: 'koffi', message: 'koffi is only imported under worker/libbpf/.' },
            { name: 'express', message: 'express is only imported under api/.' },
          ],
          patterns: [
            {
              group: ['**/worker/**', '**/api/**', '**/host/**', '**/cli/**'],
              message: 'compiler/ imports nothing outside compiler/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['api/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'koffi', message: 'koffi is only imported under worker/libbpf/.' }],
          patterns: [{ group: ['**/worker/**'], message: 'api/ never imports worker/.' }],
        },
      ],
    },
  },
  {
    files: ['worker/**', 'host/**', 'cli/**', 'bench/**', 'test/**'],
    ignores: ['worker/libbpf/**', 'test/**', 'cli/**', 'bench/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'koffi', message: 'koffi is only imported under worker/libbpf/.' },
            { name: 'express', message: 'express is only imported under api/.' },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**', 'cli/**', 'bench/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'koffi', message: 'koffi is only imported under worker/libbpf/.' }],
        },
      ],
    },
  },
);
