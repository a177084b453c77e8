import tseslint from 'typescript-eslint';

// The packages' dependency direction (see README "Repository layout"): a package's sources may
// import only the packages listed for it, and no package reaches into another's files by relative
// path. Tests and benchmarks may also use the broker's test kit and @gregor/testkit; nothing else
// imports the broker but the CLI (`gregor start`), and nothing's sources import the testkit.
const PACKAGES = ['protocol', 'storage', 'broker', 'client', 'cli', 'testkit'];
const ALLOWED = {
  protocol: [],
  storage: ['protocol'],
  broker: ['protocol', 'storage', 'client'],
  client: ['protocol'],
  cli: ['protocol', 'storage', 'client', 'broker'],
  testkit: ['protocol', 'storage', 'client', 'broker'],
};
const TEST_ONLY = ['broker/testing', 'testkit'];

const crossPackageRelative = {
  regex: `^(\\.\\./)+(${PACKAGES.join('|')})/(src|dist|test|bench|scripts)(/|$)`,
  message: "Import another package through its exports ('@gregor/<name>'), not by relative path.",
};

/** A pattern matching `@gregor/<p>` and its subpaths for every p not allowed, minus `except` subpaths. */
function forbiddenPackages(pkg, except) {
  const forbidden = PACKAGES.filter((p) => p !== pkg && !ALLOWED[pkg].includes(p));
  if (forbidden.length === 0) return [];
  const alternatives = forbidden.map((p) => {
    const exempt = except.filter((e) => e.startsWith(`${p}/`)).map((e) => e.slice(p.length));
    if (except.includes(p)) return null;
    return exempt.length > 0 ? `${p}(?!${exempt.map((e) => `${e}$`).join('|')})(/.*)?` : `${p}(/.*)?`;
  });
  const list = alternatives.filter(Boolean);
  if (list.length === 0) return [];
  return [
    {
      regex: `^@gregor/(${list.join('|')})$`,
      message: `@gregor/${pkg} may import only ${ALLOWED[pkg].map((p) => `@gregor/${p}`).join(', ') || 'no other package'}.`,
    },
  ];
}

function layering(pkg, { tests }) {
  return {
    files: tests
      ? [`packages/${pkg}/test/**/*.ts`, `packages/${pkg}/bench/**/*.ts`]
      : [`packages/${pkg}/src/**/*.ts`, `packages/${pkg}/scripts/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [crossPackageRelative, ...forbiddenPackages(pkg, tests ? TEST_ONLY : [])] },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/generated/**', '**/.bench-generated-*/**', 'data/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['packages/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's test() and describe() return promises the runner itself awaits.
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...PACKAGES.flatMap((pkg) => [layering(pkg, { tests: false }), layering(pkg, { tests: true })]),
);
