import { connectRedis, runCli, type CliContext } from '@solstice/cli';

export interface CliRun {
  code: number;
  out: string[];
  err: string[];
  /** stdout as one text. */
  text: string;
}

/**
 * Runs `solstice <argv>` in-process, as the bin does, with `env` as its whole environment,
 * and keeps what it writes. It reaches Redis like the bin, unless `connect` says otherwise.
 */
export async function solstice(
  argv: string[],
  env: CliContext['env'],
  connect: CliContext['connectRedis'] = (url) => connectRedis(url),
): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    env,
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    connectRedis: connect,
  });
  return { code, out, err, text: out.join('\n') };
}
