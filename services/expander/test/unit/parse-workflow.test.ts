import { describe, expect, it } from 'vitest';
import { parseWorkflow, type ParsedWorkflow } from '../../src/parse-workflow.js';

const limits = { maxBytes: 64 * 1024, maxJobs: 256 };

const jobsOf = (text: string, l = limits) => {
  const parsed = parseWorkflow(text, l);
  if ('error' in parsed) throw new Error(`expected jobs, got: ${parsed.error}`);
  return parsed;
};
const errorOf = (text: string, l = limits): string => {
  const parsed: ParsedWorkflow = parseWorkflow(text, l);
  if (!('error' in parsed)) throw new Error('expected the file to be refused');
  return parsed.error;
};

describe('KDL 2 workflow files', () => {
  it('reads the format of DESIGN.md: properties and child nodes', () => {
    const parsed = jobsOf(`
      workflow name="CI" {
          job "build" runs_on="illumos-latest" script=".solstice/build.sh"
          job "test" {
              runs_on "ubuntu-22.04"
              script ".solstice/test.sh"
          }
      }
    `);
    expect(parsed.parser).toBe('kdl2');
    expect(parsed.jobs).toEqual([
      { id: 'build', runsOn: 'illumos-latest', script: '.solstice/build.sh' },
      { id: 'test', runsOn: 'ubuntu-22.04', script: '.solstice/test.sh' },
    ]);
  });

  it('takes a bare top-level list of jobs, `runs-on`, an id= property and no settings', () => {
    const parsed = jobsOf(`
      job "lint" runs-on="omnios:r151046"
      job id="docs" { runs-on "x86_64/ubuntu-22.04"; }
      job plain
    `);
    expect(parsed.jobs).toEqual([
      { id: 'lint', runsOn: 'omnios:r151046', script: null },
      { id: 'docs', runsOn: 'x86_64/ubuntu-22.04', script: null },
      { id: 'plain', runsOn: null, script: null },
    ]);
  });

  it('ignores unknown nodes and properties, and says so', () => {
    const parsed = jobsOf(`
      version 2
      workflow {
        on "push"
        job "build" timeout=30 { env FOO="bar" }
      }
    `);
    expect(parsed.jobs).toEqual([{ id: 'build', runsOn: null, script: null }]);
    expect(parsed.ignored).toEqual([
      "unknown node 'version'",
      "unknown node 'on'",
      'job "build": unknown property \'timeout\'',
      'job "build": unknown node \'env\'',
    ]);
  });

  it('keeps slashdash-commented jobs out, and tolerates a byte-order mark', () => {
    const parsed = jobsOf('\uFEFFjob "a"\n/- job "b"\n');
    expect(parsed.jobs.map((j) => j.id)).toEqual(['a']);
  });
});

describe('KDL 1 workflow files (read by kdljs 0.2 when KDL 2 fails)', () => {
  it('reads bare true/false and r"raw" strings', () => {
    const parsed = jobsOf(`
      workflow name="CI" enabled=true {
        job "build" runs_on=r"illumos-latest" script=r#".solstice/build.sh"#
        job "test" cache=false {
          script ".solstice/test.sh";
        }
      }
    `);
    expect(parsed.parser).toBe('kdl1');
    expect(parsed.jobs).toEqual([
      { id: 'build', runsOn: 'illumos-latest', script: '.solstice/build.sh' },
      { id: 'test', runsOn: null, script: '.solstice/test.sh' },
    ]);
  });

  it('names the KDL 2 error, with its line and column, when neither parser can read it', () => {
    expect(errorOf('job "a" {\n  script ".solstice/a.sh" ".x\n}')).toMatch(
      /^not valid KDL \(2 or 1\): unexpected .* at line 2, column \d+$/,
    );
    expect(errorOf('job "a" {\n  script ".solstice/a.sh"\n')).toBe(
      'not valid KDL (2 or 1): unexpected end of file (a { without its })',
    );
    expect(errorOf('job a=\n')).toBe('not valid KDL (2 or 1): unexpected "=" at line 1, column 6');
  });
});

describe('a setting as a child node with a value= property', () => {
  it.each([
    [
      'KDL 2',
      'kdl2',
      `workflow {
        job "build" {
          runs_on value="illumos-latest"
          script value=".solstice/build.sh"
        }
        job "test" { runs-on value="ubuntu-22.04"; }
      }`,
    ],
    [
      'KDL 1',
      'kdl1',
      `workflow enabled=true {
        job "build" {
          runs_on value=r"illumos-latest"
          script value=".solstice/build.sh"
        }
        job "test" { runs-on value="ubuntu-22.04"; }
      }`,
    ],
  ])(
    'reads runs_on value="x" and script value="x" as runs_on "x" and script "x" (%s)',
    (_v, parser, text) => {
      const parsed = jobsOf(text);
      expect(parsed.parser).toBe(parser);
      expect(parsed.jobs).toEqual([
        { id: 'build', runsOn: 'illumos-latest', script: '.solstice/build.sh' },
        { id: 'test', runsOn: 'ubuntu-22.04', script: null },
      ]);
    },
  );

  it.each([
    ['KDL 2', 'workflow {\n  job "a"\n  job "build" {\n    runs_on label="illumos"\n  }\n}'],
    [
      'KDL 1',
      'workflow on=true {\n  job "a"\n  job "build" {\n    runs_on label="illumos"\n  }\n}',
    ],
  ])('names the line and the form of any other property (%s)', (_v, text) => {
    expect(errorOf(text)).toBe(
      'job "build": line 4: runs_on label="illumos" is not a form of runs_on ' +
        '(write runs_on "…" or runs_on value="…")',
    );
  });

  it('finds the line of a job written on one line', () => {
    expect(errorOf('job "a"\njob "b" { script path="b.sh"; }')).toBe(
      'job "b": line 2: script path="b.sh" is not a form of script (write script "…" or script value="…")',
    );
  });

  it('refuses a setting node that gives two values, naming its line', () => {
    expect(errorOf('job "build" {\n  runs_on "a" value="b"\n}')).toBe(
      'job "build": line 2: runs_on "a" value="b" gives runs_on 2 values (write runs_on "…" or runs_on value="…")',
    );
    expect(errorOf('job "build" {\n\n  script "a.sh" "b.sh"\n}')).toMatch(
      /^job "build": line 3: script "a.sh" "b.sh" gives script 2 values/,
    );
  });

  it('still refuses runs_on given both as a property and as a node', () => {
    expect(errorOf('job a runs_on="x" { runs_on value="y"; }')).toBe(
      'job "a": runs_on is set more than once',
    );
  });
});

describe('a file that mixes KDL 1 and KDL 2 names a line of each, and the form', () => {
  it.each([
    [
      'an unquoted value (KDL 2) and a bare true (KDL 1)',
      'workflow {\n  job "build" runs_on=ubuntu-22.04\n  job "test" enabled=true\n}\n',
      'line 2 has KDL 2\'s unquoted value "ubuntu-22.04" (KDL 1 quotes it), ' +
        "line 3 has KDL 1's bare true (KDL 2 writes #true)",
    ],
    [
      'raw strings of both',
      'workflow {\n  job "build" script=r"build.sh"\n  job "test" script=#"test.sh"#\n}\n',
      'line 2 has a KDL 1 raw string r"…" (KDL 2 writes #"…"#), ' +
        'line 3 has a KDL 2 raw string #"…"# (KDL 1 writes r#"…"#)',
    ],
    [
      '#false and false',
      'workflow {\n  job "build" cache=#false\n  job "test" cache=false\n}\n',
      "line 2 has KDL 2's #false (KDL 1 writes false), " +
        "line 3 has KDL 1's bare false (KDL 2 writes #false)",
    ],
    [
      'a multi-line string and a bare null',
      'job "a" script="""\n  x.sh\n  """\njob "b" cache=null\n',
      'line 1 has a KDL 2 multi-line string """ (KDL 1 has none), ' +
        "line 4 has KDL 1's bare null (KDL 2 writes #null)",
    ],
  ])('%s', (_what, text, lines) => {
    expect(errorOf(text)).toBe(
      `mixes KDL 1 and KDL 2: ${lines}; write the whole file in one version (KDL 2: https://kdl.dev)`,
    );
  });

  it('is not fooled by forms inside strings or comments', () => {
    // Only the bare true of line 2 is KDL 1: "x=true" is a string, `y=#true` a comment.
    expect(errorOf('job "a" note="x=true" // y=#true\njob "b" ok=true\njob "c" {\n')).toBe(
      "not valid KDL 1 (line 2 has KDL 1's bare true): unexpected end of file (a { without its })",
    );
  });

  it('names the error of the version a file is written in (KDL 1: bare true)', () => {
    expect(errorOf('workflow enabled=true {\n  job "build"\n}\n}\n')).toBe(
      'not valid KDL 1 (line 1 has KDL 1\'s bare true): unexpected "}" at line 4, column 1',
    );
  });

  it('names the error of the version a file is written in (KDL 2: #true)', () => {
    expect(errorOf('workflow enabled=#true {\n  job build\n}\n}\n')).toBe(
      'not valid KDL 2 (line 1 has KDL 2\'s #true): unexpected "}" at line 4, column 1',
    );
  });
});

describe('files that cannot be used', () => {
  it('is unusable without jobs', () => {
    expect(errorOf('')).toMatch(/^no jobs/);
    expect(errorOf('workflow name="CI"')).toMatch(/^no jobs/);
  });

  it('refuses more than one workflow node', () => {
    expect(errorOf('workflow { job a; }\nworkflow { job b; }')).toBe('more than one workflow node');
  });

  it('refuses a job without an id, or with an id that is not a string', () => {
    expect(errorOf('job script="x.sh"')).toMatch(/^job #1 has no id/);
    expect(errorOf('job 12')).toBe('job #1: its id must be a string');
  });

  it('refuses a setting given twice or not as a string', () => {
    expect(errorOf('job a runs_on=x { runs-on y }')).toBe('job "a": runs_on is set more than once');
    expect(errorOf('job a script=#true')).toBe('job "a": script must be a string');
  });
});

describe('hostile files are refused with a reason, never a crash or hang', () => {
  it('refuses a file over WORKFLOW_MAX_BYTES before parsing it', () => {
    const big = `job "a"\n// ${'x'.repeat(70_000)}\n`;
    expect(errorOf(big)).toBe(
      `${Buffer.byteLength(big)} bytes, over the limit of 65536 (WORKFLOW_MAX_BYTES)`,
    );
    // Bytes, not characters: 30 000 three-byte characters are 90 000 bytes.
    expect(errorOf(`job "a" script="${'€'.repeat(30_000)}"`)).toMatch(/over the limit of 65536/);
  });

  it('refuses more jobs than WORKFLOW_MAX_JOBS', () => {
    const many = Array.from({ length: 300 }, (_, i) => `job "j${i}"`).join('\n');
    expect(errorOf(many)).toBe('300 jobs, over the limit of 256 (WORKFLOW_MAX_JOBS)');
    expect(errorOf('job a\njob b\njob c', { ...limits, maxJobs: 2 })).toMatch(/^3 jobs/);
  });

  it.each([
    ['../../etc/passwd', "has a '..' segment"],
    ['.solstice/../../x.sh', "has a '..' segment"],
    ['/etc/passwd', 'is absolute'],
    ['C:/x.sh', 'starts with a drive letter'],
    ['.solstice\\\\build.sh', 'contains a backslash'],
    ['~/x.sh', "starts with '~'"],
    ['--help', "starts with '-'"],
    ['a\\u{0}b', 'contains a control character'],
    ['build.sh\\nrm -rf /', 'contains a control character'],
    ['', 'is empty'],
  ])('refuses the script %j', (script, why) => {
    expect(errorOf(`job "a" script="${script}"`)).toContain(`job "a": script `);
    expect(errorOf(`job "a" script="${script}"`)).toContain(why);
  });

  it.each([
    ['bad id', 'job "bad id"'],
    ['a;rm', 'job "a;rm"'],
    ['ünïcode', 'job "ünïcode"'],
    ['-flag', 'job "-flag"'],
    ['x'.repeat(101), `job "${'x'.repeat(101)}"`],
  ])('refuses the job id %j', (id, node) => {
    expect(errorOf(node)).toMatch(/an id is 1-100 characters of A-Z a-z 0-9 \. _ -/);
    expect(errorOf(node)).toContain(`job "${id.slice(0, 40)}`);
  });

  it.each(['ubuntu 22.04', 'a$(id)', '-x', 'x'.repeat(101)])('refuses the runs_on %j', (label) => {
    expect(errorOf(`job "a" runs_on="${label}"`)).toMatch(/^job "a": runs_on .* is not 1-100/);
  });

  it('refuses duplicate job ids', () => {
    expect(errorOf('job "a"\nworkflow { job "b"; job "a"; }')).toBe(
      'job "a" is defined more than once',
    );
  });

  it('refuses deeply nested nodes (kdljs would overflow the stack)', () => {
    const deep = 'job "a" {\n' + 'n {'.repeat(12_000) + '}'.repeat(12_001);
    expect(Buffer.byteLength(deep)).toBeLessThan(limits.maxBytes);
    expect(errorOf(deep)).toBe('not valid KDL (2 or 1): nodes are nested too deeply to read');
  });

  it('refuses garbage bytes', () => {
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
    expect(errorOf(garbage.toString('latin1'))).toMatch(/^not valid KDL \(2 or 1\): unexpected/);
    expect(errorOf('\u0000\u0001\u0002')).toMatch(/^not valid KDL/);
  });

  it('quotes a hostile value cut short in its reason', () => {
    const reason = errorOf(`job "${'a'.repeat(50)}\\u{1b}[31m"`);
    expect(reason).toContain(`"${'a'.repeat(40)}…"`);
    expect(reason).not.toContain('\u001b');
  });
});
