#!/usr/bin/env node
import { connectRedis } from './cli/connect-redis.js';
import { runCli } from './cli/run-cli.js';

// The operator CLI (`npm run solstice -- <command>`, bin `solstice`). It never listens on a port.
process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  connectRedis: (url) => connectRedis(url),
});
