/** The committed generated code is exactly what the generator makes from the specs beside the repo. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_OUT_DIR, DEFAULT_SPEC_DIR, diffAgainst, generate } from '../scripts/generate.js';

const specsPresent = existsSync(join(DEFAULT_SPEC_DIR, 'message'));

test(
  'generated code is reproducible from the specs',
  { skip: !specsPresent && 'no Kafka specs beside the repo' },
  () => {
    const problems = diffAgainst(generate(DEFAULT_SPEC_DIR, 'bigint'), DEFAULT_OUT_DIR);
    assert.deepStrictEqual(problems, [], 'run `npm run generate` and commit the result');
  },
);

test('the specs licence travels with the generated code', () => {
  assert.ok(existsSync(join(DEFAULT_OUT_DIR, 'LICENSE')));
  assert.ok(existsSync(join(DEFAULT_OUT_DIR, 'NOTICE')));
});
