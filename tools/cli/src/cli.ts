#!/usr/bin/env node
import { connectRedis } from './connect-redis.js';
import { runCli } from './run-cli.js';

// The operator CLI (`npm run solstice -- <command>`, bin `solstice`). Only `app create` listens
// on a port (127.0.0.1), for as long as the App registration takes.

// `solstice dead list events | head`: a closed pipe ends the output, not with a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  connectRedis: (url) => connectRedis(url),
});
