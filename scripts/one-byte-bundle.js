#!/usr/bin/env node
/**
 * Makes the gateway's single-file bundle Latin-1 only, so that V8 holds its source (kept in the heap for the life of
 * the process) as a one-byte string: one character outside Latin-1 makes the whole 2.7 MB source a 5.5 MB two-byte
 * string. esbuild escapes such characters in strings and templates but keeps the comments it preserves as they are
 * (undici's use `’`); this replaces each character outside Latin-1 that follows a `//` on its line by `?` (one UTF-16
 * unit for one: the source map's columns stay right), and fails, naming the line, when one is left anywhere else (in a
 * block comment or a regular expression literal).
 *
 * usage: node scripts/one-byte-bundle.js FILE.js   (rewrites FILE.js in place)
 */
'use strict';
const fs = require('fs');

/** The text with line comments made Latin-1; throws when a character outside Latin-1 is left elsewhere. */
function oneByte(text, file = '(bundle)') {
  const out = text.replace(/^.*[^\u0000-\u00ff].*$/gm, (line) => {
    const comment = line.indexOf('//');
    return comment < 0 ? line : line.slice(0, comment) + line.slice(comment).replace(/[^\u0000-\u00ff]/g, '?');
  });
  const left = /[^\u0000-\u00ff]/.exec(out);
  if (left) {
    const line = out.slice(0, left.index).split('\n').length;
    throw new Error(`${file}:${line}: character U+${left[0].codePointAt(0).toString(16).toUpperCase().padStart(4, '0')} outside Latin-1 and not on a line comment: V8 would hold the whole source as a two-byte string; escape it in the source (e.g. \\u${left[0].charCodeAt(0).toString(16).padStart(4, '0')})`);
  }
  return out;
}

module.exports = { oneByte };

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node scripts/one-byte-bundle.js FILE.js\n');
    process.exit(2);
  }
  try {
    fs.writeFileSync(file, oneByte(fs.readFileSync(file, 'utf8'), file));
  } catch (err) {
    process.stderr.write(`one-byte-bundle: ${err.message}\n`);
    process.exit(1);
  }
}
