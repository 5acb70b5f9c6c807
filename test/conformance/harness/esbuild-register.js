// Preload for running the gateway from its TypeScript sources: transpiles each required .ts file with
// esbuild (transpile only, no type check; the same contract as ts-node/register/transpile-only, faster).
'use strict';
const fs = require('fs');
const esbuild = require('esbuild');

require.extensions['.ts'] = (module, filename) => {
  const { code } = esbuild.transformSync(fs.readFileSync(filename, 'utf8'), {
    loader: 'ts',
    format: 'cjs',
    target: 'node20',
    sourcefile: filename,
    sourcemap: 'inline',
    tsconfigRaw: { compilerOptions: { experimentalDecorators: true, useDefineForClassFields: true } },
  });
  module._compile(code, filename);
};
