import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string) => readFileSync(join(root, file), 'utf8');

/** The Dockerfile's instructions, continuation lines joined and comments dropped. */
function instructions(text: string): { op: string; args: string }[] {
  return text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

const dockerfile = instructions(read('Dockerfile'));
const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };

describe('the Dockerfile (read, not built: `docker build` is not part of npm test)', () => {
  const majors = dockerfile
    .filter((i) => i.op === 'FROM')
    .map((i) => /^node:(\d+)(?:[.-]|$)/.exec(i.args)?.[1])
    .map(Number);

  it('builds and runs on a supported Node LTS (22 or newer) that package.json engines admits', () => {
    expect(majors.length).toBeGreaterThan(0);
    // engines is a plain lower bound; another form needs this test taught to read it.
    const min = /^>=\s*(\d+)(?:\.\d+){0,2}$/.exec(pkg.engines.node)?.[1];
    expect(min, `engines.node '${pkg.engines.node}' is not of the form >=N`).toBeDefined();
    for (const major of majors) {
      expect(major).toBeGreaterThanOrEqual(22);
      expect(major % 2, 'an even major: an LTS line').toBe(0);
      expect(major).toBeGreaterThanOrEqual(Number(min));
    }
  });

  it('checks every npm ci: the build fails at that step with a message, not one step later', () => {
    const installs = dockerfile.filter((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args));
    expect(installs.length).toBeGreaterThan(0);
    for (const { args } of installs) {
      // npm ci …, then npm ls (a tree npm left incomplete fails it), else one line and exit 1.
      expect(args).toMatch(/\bnpm ci\b[^;|]*&&\s*npm ls\b[^;|]*>\s*\/dev\/null/);
      expect(args).toMatch(/\|\|\s*\{\s*echo\s+'[^']+'\s*>&2;\s*exit 1;\s*\}/);
    }
  });

  it('the README names the image’s Node line and the npm it brings', () => {
    const setup = read('README.md').split('\n## Setup')[1]!.split('\n## ')[0]!;
    for (const major of new Set(majors)) expect(setup).toContain(`Node ${major}`);
    expect(setup).toMatch(/npm 10/);
  });
});
