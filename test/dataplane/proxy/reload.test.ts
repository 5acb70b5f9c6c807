import * as fs from 'fs';
import * as path from 'path';
import { tmpDir, until } from './helpers';
import { hashInputs, watchInputs } from '../../../src/dataplane/proxy/reload';

describe('input watching', () => {
  let dir: string;
  beforeEach(() => {
    dir = tmpDir();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the hash changes with the contents and the set of input files, not with a rewrite of the same bytes', () => {
    const a = path.join(dir, 'a.yaml');
    fs.writeFileSync(a, 'kind: A\n');
    const h1 = hashInputs([dir]);
    fs.writeFileSync(a, 'kind: A\n');
    expect(hashInputs([dir])).toBe(h1);
    fs.writeFileSync(path.join(dir, 'ignored.txt'), 'not an input');
    expect(hashInputs([dir])).toBe(h1);
    fs.writeFileSync(path.join(dir, 'b.yml'), 'kind: B\n');
    const h2 = hashInputs([dir]);
    expect(h2).not.toBe(h1);
    fs.writeFileSync(a, 'kind: C\n');
    expect(hashInputs([dir])).not.toBe(h2);
    expect(hashInputs([path.join(dir, 'missing.yaml')])).toMatch(/^[0-9a-f]{64}$/);
  });

  test('several quick writes of a watched file give one change after the debounce', async () => {
    const file = path.join(dir, 'routes.yaml');
    fs.writeFileSync(file, 'v: 0\n');
    let changes = 0;
    const watcher = watchInputs([file], () => changes++, { debounceMs: 100, pollMs: 60_000 });
    try {
      for (let i = 1; i <= 5; i++) fs.writeFileSync(file, `v: ${i}\n`);
      await until(() => changes === 1, 3_000);
      await new Promise((r) => setTimeout(r, 300)); // longer than the debounce: no second change arrives
      expect(changes).toBe(1);
      // a rename-over (what editors do) is seen too
      fs.writeFileSync(`${file}.tmp`, 'v: renamed\n');
      fs.renameSync(`${file}.tmp`, file);
      await until(() => changes === 2, 3_000);
    } finally {
      watcher.close();
    }
  });

  test('polling notices a change when no file event arrives', async () => {
    const file = path.join(dir, 'routes.json');
    fs.writeFileSync(file, '{}');
    let changes = 0;
    const watcher = watchInputs([path.join(dir, 'does-not-exist-yet')], () => changes++, { debounceMs: 10, pollMs: 50 });
    try {
      fs.mkdirSync(path.join(dir, 'does-not-exist-yet'));
      fs.writeFileSync(path.join(dir, 'does-not-exist-yet', 'r.yaml'), 'kind: X\n');
      await until(() => changes >= 1, 3_000);
    } finally {
      watcher.close();
    }
  });
});
