import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';

export interface ConfigSource {
  env?: Record<string, string | undefined>;
  argv?: string[];
}

/** `REDIS_URL` → `--redis-url` */
export function flagName(variable: string): string {
  return '--' + variable.toLowerCase().replace(/_/g, '-');
}

function parseFlags(argv: string[]): { flags: Map<string, string>; problems: string[] } {
  const flags = new Map<string, string>();
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      problems.push(`unexpected argument '${arg}' (options are --name value or --name=value)`);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq > 0) flags.set(arg.slice(0, eq), arg.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) flags.set(arg, argv[++i]!);
    else flags.set(arg, 'true');
  }
  return { flags, problems };
}

/**
 * Reads settings from `--kebab-case` flags (first) and environment variables, collecting
 * one line per bad setting; `done()` throws them all as a ConfigError.
 */
export class ConfigReader {
  readonly problems: string[] = [];
  private readonly env: Record<string, string | undefined>;
  private readonly flags: Map<string, string>;
  private readonly used = new Set<string>();
  /** Values read from `NAME_FILE` files (fromFile), which raw(NAME) returns. */
  private readonly fileValues = new Map<string, string>();

  constructor(source: ConfigSource = {}) {
    this.env = source.env ?? process.env;
    const parsed = parseFlags(source.argv ?? []);
    this.flags = parsed.flags;
    this.problems.push(...parsed.problems);
  }

  /** The raw value, or undefined when unset or empty. */
  raw(name: string): string | undefined {
    const flag = flagName(name);
    this.used.add(flag);
    const fromFile = this.fileValues.get(name);
    if (fromFile !== undefined) return fromFile;
    const value = this.flags.get(flag) ?? this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  /**
   * `NAME_FILE`, when set, names a file holding NAME's value (as Docker and Kubernetes mount
   * secrets; one trailing newline is dropped, since editors and `echo` add one): from then on
   * raw(NAME) returns it, as it is. Setting both, or a file that is missing, unreadable or
   * empty, is a problem naming NAME_FILE. Returns the variable the value comes from.
   */
  fromFile(name: string): string {
    const fileVar = `${name}_FILE`;
    const path = this.raw(fileVar);
    if (path === undefined) return name;
    if (this.raw(name) !== undefined) {
      this.problem(`${fileVar}: expected either ${name} or ${fileVar}, not both`);
      return name;
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      this.fail(fileVar, `a readable file holding ${name}`, `${path} (${code})`);
      return fileVar;
    }
    const value = text.replace(/\r?\n$/, '');
    if (value === '') this.fail(fileVar, `a file holding ${name}`, `${path} (empty)`);
    else this.fileValues.set(name, value);
    return fileVar;
  }

  /** true when `name` was given as a `--kebab-case` flag (so it shows in `ps`). */
  fromFlag(name: string): boolean {
    return this.flags.has(flagName(name));
  }

  /** Adds a problem line as it is: `NAME: what is wrong`. */
  problem(line: string): undefined {
    this.problems.push(line);
    return undefined;
  }

  fail(name: string, expected: string, got?: string): undefined {
    const shown =
      got === undefined ? '' : `, got '${got.length > 80 ? got.slice(0, 80) + '…' : got}'`;
    this.problems.push(`${name}: expected ${expected}${shown}`);
    return undefined;
  }

  string(name: string, fallback: string): string;
  string(name: string): string | undefined;
  string(name: string, fallback?: string): string | undefined {
    return this.raw(name) ?? fallback;
  }

  required(name: string, why: string): string {
    const value = this.raw(name);
    if (value === undefined) {
      this.problems.push(`${name}: required ${why}`);
      return '';
    }
    return value;
  }

  int(name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    const min = range.min ?? 0;
    const max = range.max ?? Number.MAX_SAFE_INTEGER;
    if (!/^-?\d+$/.test(value) || n < min || n > max) {
      this.fail(name, `a whole number from ${min} to ${max}`, value);
      return fallback;
    }
    return n;
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (/^(1|true|yes|on)$/i.test(value)) return true;
    if (/^(0|false|no|off)$/i.test(value)) return false;
    this.fail(name, 'true or false', value);
    return fallback;
  }

  url(name: string, fallback: string, protocols: string[]): string;
  url(name: string, fallback: undefined, protocols: string[]): string | undefined;
  url(name: string, fallback: string | undefined, protocols: string[]): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      return this.fail(name, `a URL (${protocols.join(' or ')})`, redactUrl(value)) ?? fallback;
    }
    if (!protocols.includes(parsed.protocol)) {
      return (
        this.fail(name, `a URL starting ${protocols.join(' or ')}`, redactUrl(value)) ?? fallback
      );
    }
    if (parsed.password !== '' && this.fromFlag(name)) {
      return this.problem(notAFlag(name, `set ${name} in the environment`)) ?? fallback;
    }
    return value;
  }

  /** A comma-separated list; empty items are dropped. */
  list(name: string): string[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    return value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }

  /** Throws a ConfigError listing every problem, including unknown flags. */
  done(): void {
    for (const flag of this.flags.keys()) {
      if (!this.used.has(flag)) this.problems.push(`${flag}: unknown option`);
    }
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}

/**
 * The line for a secret given as a flag: a command line is visible to every user of the host
 * (`ps`, /proc/<pid>/cmdline), the environment of a process only to its owner.
 */
export function notAFlag(name: string, instead: string): string {
  return `${flagName(name)}: a secret is not taken as a command-line flag (visible in ps); ${instead}`;
}

/** Hides the password of a URL so it can be shown in an error line or log. */
export function redactUrl(url: string): string {
  const value = url.replace(/([?&]sentinelPassword=)[^&#]*/, '$1***');
  try {
    const u = new URL(value);
    if (!u.password) return value;
    u.password = '***';
    return u.toString();
  } catch {
    return value.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  }
}
