import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const read = (path: string) => readFile(new URL(`../../${path}`, import.meta.url), 'utf8');

/** The rows of the markdown tables in the README section `title`, by their first column's header. */
async function tablesOf(title: string): Promise<Map<string, string[][]>> {
  const readme = await read('README.md');
  const start = readme.indexOf(`\n## ${title}\n`);
  expect(start, `README has a "## ${title}" section`).toBeGreaterThan(-1);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  const tables = new Map<string, string[][]>();
  let rows: string[][] | undefined;
  for (const line of section.split('\n')) {
    if (!line.startsWith('|')) {
      rows = undefined;
      continue;
    }
    const cells = line
      .slice(1, -1)
      .split('|')
      .map((c) => c.trim());
    if (!rows) tables.set(cells[0]!, (rows = []));
    else if (!/^-+$/.test(cells[0]!)) rows.push(cells);
  }
  return tables;
}

// GitHub's UI names permissions "Pull requests", access "Read and write" / "Read-only";
// the manifest says pull_requests: write / read.
const manifestName = (permission: string) => permission.toLowerCase().replace(/ /g, '_');
const manifestAccess: Record<string, string> = { 'Read and write': 'write', 'Read-only': 'read' };

describe('README "GitHub App" section', () => {
  it('lists the permissions and events of app.yml, each with why it is needed', async () => {
    const manifest = parse(await read('app.yml')) as {
      default_permissions: Record<string, string>;
      default_events: string[];
    };
    const tables = await tablesOf('GitHub App');

    const permissions = tables.get('permission') ?? [];
    expect(
      Object.fromEntries(permissions.map(([name, access]) => [manifestName(name!), access])),
    ).toEqual(
      Object.fromEntries(
        Object.entries(manifest.default_permissions).map(([name, access]) => [
          name,
          Object.keys(manifestAccess).find((k) => manifestAccess[k] === access),
        ]),
      ),
    );

    const events = tables.get('event') ?? [];
    expect(events.map(([event]) => event!.replace(/`/g, '')).sort()).toEqual(
      [...manifest.default_events].sort(),
    );

    for (const [name, , why] of permissions) expect(why, `why ${name}`).toMatch(/\w{3}/);
    for (const [event, why] of events) expect(why, `why ${event}`).toMatch(/\w{3}/);
  });
});
