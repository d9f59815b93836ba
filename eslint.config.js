// ESLint flat config: typescript-eslint's recommended type-aware rules over src, test and bench,
// and the layering of src/: imports point down the table below, never up (test/lint/layers.test.ts).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, top to bottom: a folder may import its own files and those of the folders
 * below it, never those above, nor those of the folders on its own level (models and data know
 * nothing of each other). bench/ and test/ may import anything.
 */
export const LAYERS = [
  ['cli'],
  ['serve'],
  ['runs'],
  ['eval'],
  ['method'],
  ['deploy'],
  ['models', 'data'],
  ['torch'],
];

const RULE = 'imports point down: cli, serve, runs, eval, method, deploy, models|data, torch';

/** What `layer` may not import: every folder above it, and the others on its level. */
export function forbiddenFor(layer) {
  const level = LAYERS.findIndex((l) => l.includes(layer));
  if (level < 0) throw new Error(`eslint.config.js: ${layer} is in no layer`);
  return [...LAYERS.slice(0, level).flat(), ...LAYERS[level].filter((f) => f !== layer)];
}

/**
 * A relative specifier into one of `folders`, at any depth and by any route ('../eval/x.js',
 * '../../eval/report/x.js', './../runs/x.js'); package names are never relative, so never match.
 */
const into = (folders) => `^\\.{1,2}/(.*/)?(${folders.join('|')})(/|$)`;

const layerBlocks = LAYERS.slice(1)
  .flat()
  .map((layer) => {
    const pattern = into(forbiddenFor(layer));
    return {
      files: [`src/${layer}/**/*.ts`],
      rules: {
        // Static imports and re-exports, type-only ones included.
        '@typescript-eslint/no-restricted-imports': [
          'error',
          { patterns: [{ regex: pattern, message: `src/${layer}: ${RULE}.` }] },
        ],
        // import('...'). esquery's /regex/ takes no '/', hence \x2F.
        'no-restricted-syntax': [
          'error',
          {
            selector: `ImportExpression > Literal.source[value=/${pattern.replaceAll('/', '\\x2F')}/]`,
            message: `src/${layer}: ${RULE}.`,
          },
        ],
      },
    };
  });

export default tseslint.config(
  { ignores: ['dist/', 'native/build/', 'node_modules/', 'web/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // node:test's test() returns a promise the runner itself awaits.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
  ...layerBlocks,
  {
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
