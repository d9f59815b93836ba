// The types the server and the dashboard share are declaration files under src/ (src/serve/
// api_types.d.ts and what it imports), because the web build may import those from outside its
// rootDir. Both builds run under skipLibCheck, which checks no declaration file, so a misspelt type
// there would silently be `any` on both sides: here every .d.ts of src/ is checked on its own,
// strictly, with no Node types (the browser's build has none either).
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

import ts from 'typescript';

import { ROOT, tempDir } from '../helpers.js';

function declarationFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? declarationFiles(join(dir, e.name))
      : e.name.endsWith('.d.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

/** Each error of the files and of what they import, as 'file(line): message'. */
function errors(files: string[]): string[] {
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    types: [],
    lib: ['lib.es2022.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: false,
    skipDefaultLibCheck: true,
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return text;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${relative(ROOT, d.file.fileName)}(${line + 1}): ${text}`;
  });
}

test("src/'s declaration files type-check on their own, without Node's types", () => {
  const files = declarationFiles(join(ROOT, 'src'));
  assert.ok(
    files.some((f) => f.endsWith(join('serve', 'api_types.d.ts'))),
    files.join(', '),
  );
  assert.deepEqual(errors(files), []);
});

test('the check finds a misspelt type and a Node type in a declaration file', () => {
  const bad = join(tempDir('veil-dts-'), 'bad.d.ts');
  writeFileSync(bad, 'export interface Row {\n  n: nubmer;\n  b: Buffer;\n}\n');
  const found = errors([bad]);
  assert.equal(found.length, 2, found.join('\n'));
  assert.match(found[0] as string, /bad\.d\.ts\(2\): Cannot find name 'nubmer'/);
  assert.match(found[1] as string, /bad\.d\.ts\(3\): Cannot find name 'Buffer'/);
});
