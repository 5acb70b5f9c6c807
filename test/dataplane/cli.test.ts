import * as fs from 'fs';
import * as path from 'path';
import { main, packageVersion } from '../../src/dataplane/cli';

describe('cdk8s-gateway', () => {
  test('--version prints the package version and exits 0', async () => {
    // GIVEN the package's version
    const version = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version;
    const out: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((s: any) => { out.push(String(s)); return true; });
    try {
      // WHEN
      const status = await main(['--version']);
      // THEN
      expect(status).toBe(0);
      expect(out.join('')).toBe(`cdk8s-gateway ${version}\n`);
      expect(packageVersion()).toBe(version);
    } finally {
      write.mockRestore();
    }
  });

  test('fails with usage on an unknown command', async () => {
    const err: string[] = [];
    const write = jest.spyOn(process.stderr, 'write').mockImplementation((s: any) => { err.push(String(s)); return true; });
    try {
      expect(await main(['--versoin'])).toBe(2);
      expect(err.join('')).toMatch(/^cdk8s-gateway: unknown command '--versoin'\n\nusage: cdk8s-gateway <command>/);
    } finally {
      write.mockRestore();
    }
  });
});
