import { randomBytes } from 'node:crypto';

/**
 * A push of one new commit to `main`, shaped as GitHub sends it to an App (the fields the
 * pipeline reads, and the usual others), for the demo in containers where GitHub's example
 * payloads (a dev dependency) are not installed.
 */
export function samplePush(o: {
  installationId: number;
  owner?: string;
  repo?: string;
  sha?: string;
}): Record<string, unknown> {
  const owner = o.owner ?? 'octo-org';
  const repo = o.repo ?? 'hello-world';
  const sha = o.sha ?? randomBytes(20).toString('hex');
  const user = { login: owner, id: 583231, type: 'Organization', site_admin: false };
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const commit = {
    id: sha,
    tree_id: randomBytes(20).toString('hex'),
    distinct: true,
    message: 'Demo commit',
    timestamp: now,
    url: `https://github.com/${owner}/${repo}/commit/${sha}`,
    author: { name: 'Mona Octocat', email: 'mona@example.com', username: 'mona' },
    committer: { name: 'Mona Octocat', email: 'mona@example.com', username: 'mona' },
    added: ['.solstice/workflow.kdl'],
    removed: [],
    modified: [],
  };
  return {
    ref: 'refs/heads/main',
    before: '0'.repeat(39) + '1',
    after: sha,
    created: false,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `https://github.com/${owner}/${repo}/compare/${sha.slice(0, 12)}`,
    commits: [commit],
    head_commit: commit,
    repository: {
      id: 186853002,
      node_id: 'MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=',
      name: repo,
      full_name: `${owner}/${repo}`,
      private: false,
      owner: user,
      html_url: `https://github.com/${owner}/${repo}`,
      clone_url: `https://github.com/${owner}/${repo}.git`,
      ssh_url: `git@github.com:${owner}/${repo}.git`,
      default_branch: 'main',
    },
    pusher: { name: 'mona', email: 'mona@example.com' },
    organization: { login: owner, id: user.id },
    sender: { login: 'mona', id: 21031067, type: 'User', site_admin: false },
    installation: { id: o.installationId, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==' },
  };
}
