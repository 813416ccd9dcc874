import { ConfigReader, runMain } from '@solstice/shared';
import { Pipeline } from './harness/pipeline.js';
import { readServers } from './harness/read-servers.js';
import { pushExample } from './harness/webhook-examples.js';

const WORKFLOW = `workflow name="CI" {
    job "build" runs_on="illumos-latest" script=".solstice/build.sh"
    job "test" {
        runs_on "ubuntu-22.04"
        script ".solstice/test.sh"
    }
    job "docs-fail" script=".solstice/docs.sh"
}
`;

interface Step {
  name: string;
  done: () => Promise<boolean> | boolean;
  at?: number;
}

/**
 * `npm run demo`: the whole pipeline on this machine without a GitHub App. It starts the
 * GitHub stand-in, the four stages and a demo orchestrator (names unique to this run, so a
 * pipeline you already run is not touched), sends one signed real push webhook for a
 * repository whose workflow has three jobs, prints each step of the journey with its time,
 * and ends by itself: exit 0 when every step happened, 1 naming the first that did not.
 */
runMain('demo', async () => {
  const r = new ConfigReader({ argv: process.argv.slice(2) });
  const { redisUrl, amqpUrl, shown } = readServers(r);
  const timeoutMs = r.int('DEMO_TIMEOUT_MS', 60_000, { min: 1000 });
  const verbose = r.bool('DEMO_VERBOSE', false);
  r.done();

  const out = (line: string) => process.stdout.write(line + '\n');
  out(`demo: ${shown}`);
  const p = new Pipeline({
    redisUrl,
    amqpUrl,
    label: 'demo',
    jobMs: 500,
    onLine: verbose ? (label, line) => out(`  [${label}] ${line}`) : undefined,
  });
  let failed: string | undefined;
  try {
    const payload = pushExample();
    payload.installation = { id: p.installationId };
    /* eslint-disable @typescript-eslint/no-unsafe-member-access -- a webhook example, untyped JSON (Payload) */
    const owner = payload.repository.owner.login as string;
    const repo = payload.repository.name as string;
    /* eslint-enable @typescript-eslint/no-unsafe-member-access */
    const sha = payload.after as string;
    p.install(owner);
    p.contents.put(owner, repo, sha, '.solstice/workflow.kdl', WORKFLOW);

    const started = Date.now();
    out(
      'demo: starting the GitHub stand-in, receiver, expander, publisher, reporter and a demo orchestrator …',
    );
    await p.start();
    out(`demo: pipeline up in ${Date.now() - started} ms; receiver at ${p.receiverUrl}`);

    const runs = () => p.checks.all().filter((c) => c.head_sha === sha);
    const steps: Step[] = [
      {
        name: 'event stored in {P}:events',
        done: async () => (await p.streamLength(p.keys.events)) >= 1,
      },
      {
        name: '3 JobRequests in {P}:jobs',
        done: async () => (await p.streamLength(p.keys.jobs)) >= 3,
      },
      {
        name: '3 JobRequests published (confirmed) → {P}:checks',
        done: async () => (await p.streamLength(p.keys.checks)) >= 3,
      },
      {
        name: '3 JobRequests received by the orchestrator',
        done: async () => (await p.received()).length >= 3,
      },
      { name: '3 Check Runs queued', done: () => runs().length >= 3 },
      {
        name: '3 Check Runs completed',
        done: () => runs().filter((c) => c.status === 'completed').length >= 3,
      },
    ];

    const t0 = Date.now();
    const delivery = await p.send('push', payload);
    out(
      `demo: sent a signed push for ${owner}/${repo}@${sha.slice(0, 7)} (delivery ${delivery.guid}) → HTTP ${delivery.status_code}`,
    );
    const deadline = t0 + timeoutMs;
    let next = 0;
    while (next < steps.length && Date.now() < deadline) {
      const step = steps[next]!;
      if (await step.done()) {
        step.at = Date.now() - t0;
        out(`  ✓ ${String(step.at).padStart(5)} ms  ${step.name}`);
        next++;
      } else {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    if (next < steps.length) {
      failed = steps[next]!.name;
      out(`  ✗ not within ${timeoutMs} ms: ${failed}`);
      for (const [label, proc] of p.processes)
        for (const l of proc.lines.slice(-5)) out(`    [${label}] ${l}`);
    } else {
      out('demo: the Check Runs as GitHub would show them:');
      for (const run of runs().sort((a, b) => a.name.localeCompare(b.name))) {
        out(
          `    ${run.name.padEnd(28)} ${String(run.conclusion).padEnd(8)} ${run.output.title}  ${run.details_url ?? ''}`,
        );
      }
      out(
        `demo: GitHub API calls: ${p.standIn.calls.length} (${p.standIn.calls.map((c) => `${c.method} ${c.path.replace(/\/repos\/[^/]+\/[^/]+/, '/repos/{o}/{r}')}`).join(', ')})`,
      );
    }
  } finally {
    await p.stop();
  }
  if (failed) {
    process.stderr.write(`demo: FAILED: "${failed}" did not happen\n`);
    process.exit(1);
  }
  out('demo: every step happened.');
});
