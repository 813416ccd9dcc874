import { createHash } from 'node:crypto';
import type { Route, RouteContext } from '../server.js';

const DOCS = 'https://docs.github.com/rest/repos/contents#get-repository-content';
// Past 1 MB GitHub answers with `encoding: "none"` and an empty `content`.
const INLINE_LIMIT = 1024 * 1024;

/** Repository files the stand-in serves, keyed `${owner}/${repo}@${ref}:${path}`; tests fill it. */
export class ContentStore {
  readonly files = new Map<string, Buffer>();
  private readonly everywhere = new Map<string, Buffer>();
  /** Repositories whose contents the App may not read (no Contents permission): the status. */
  private readonly denied = new Map<string, 401 | 403>();

  /**
   * The App lacks Contents permission on owner/repo: reads answer 403 "Resource not accessible
   * by integration" (401 if given), as GitHub does.
   */
  deny(owner: string, repo: string, status: 401 | 403 = 403): this {
    this.denied.set(`${owner}/${repo}`.toLowerCase(), status);
    return this;
  }

  deniedStatus(owner: string, repo: string): 401 | 403 | undefined {
    return this.denied.get(`${owner}/${repo}`.toLowerCase());
  }

  static keyOf(owner: string, repo: string, ref: string, path: string): string {
    return `${owner}/${repo}`.toLowerCase() + `@${ref}:${path.replace(/^\/+/, '')}`;
  }

  /** Puts a file at `ref` (a commit sha, branch or tag name) of owner/repo. */
  put(owner: string, repo: string, ref: string, path: string, content: string | Buffer): this {
    this.files.set(ContentStore.keyOf(owner, repo, ref, path), Buffer.from(content));
    return this;
  }

  /** A file at `path` in every commit of every repository, unless put() gave one its own. */
  putEverywhere(path: string, content: string | Buffer): this {
    this.everywhere.set(path.replace(/^\/+/, ''), Buffer.from(content));
    return this;
  }

  get(owner: string, repo: string, ref: string, path: string): Buffer | undefined {
    return (
      this.files.get(ContentStore.keyOf(owner, repo, ref, path)) ??
      this.everywhere.get(path.replace(/^\/+/, ''))
    );
  }

  /** Names directly inside `dir`, or an empty list when no file lives under it. */
  list(owner: string, repo: string, ref: string, dir: string): { name: string; file: boolean }[] {
    const prefix = ContentStore.keyOf(owner, repo, ref, dir.replace(/\/+$/, '') + '/');
    const names = new Map<string, boolean>();
    for (const key of this.files.keys()) {
      if (!key.startsWith(prefix)) continue;
      const [name, ...rest] = key.slice(prefix.length).split('/');
      names.set(name!, rest.length === 0);
    }
    return [...names].map(([name, file]) => ({ name, file }));
  }
}

/** Git's blob id of `content`, as GitHub gives it in `sha`. */
const blobSha = (content: Buffer) =>
  createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');

/** GitHub wraps base64 content at 60 characters. */
const wrap = (b64: string) => (b64.match(/.{1,60}/g) ?? []).join('\n') + (b64 ? '\n' : '');

function entry(ctx: RouteContext, path: string, type: 'file' | 'dir', content?: Buffer) {
  const { owner, repo } = ctx.params as { owner: string; repo: string };
  const ref = ctx.query.get('ref') ?? 'HEAD';
  const api = `${ctx.standIn.url}/repos/${owner}/${repo}/contents/${path}?ref=${ref}`;
  const sha = content ? blobSha(content) : createHash('sha1').update(path).digest('hex');
  return {
    type,
    name: path.split('/').pop(),
    path,
    sha,
    size: content?.length ?? 0,
    url: api,
    html_url: `https://github.com/${owner}/${repo}/${type === 'file' ? 'blob' : 'tree'}/${ref}/${path}`,
    git_url: `${ctx.standIn.url}/repos/${owner}/${repo}/git/${type === 'file' ? 'blobs' : 'trees'}/${sha}`,
    download_url:
      type === 'file' ? `https://raw.githubusercontent.com/${owner}/${repo}/${ref}/${path}` : null,
    _links: { self: api },
  };
}

/**
 * GET /repos/{owner}/{repo}/contents/{path}?ref= (the Contents API) with an installation
 * token of an installation that covers the repository; files come from `store`.
 */
export function contentRoutes(store: ContentStore): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/repos/:owner/:repo/contents/*path',
      auth: 'token',
      handle: (ctx) => {
        const { owner, repo } = ctx.params as { owner: string; repo: string };
        const path = ctx.params.path!.replace(/^\/+|\/+$/g, '');
        const ref = ctx.query.get('ref') ?? 'HEAD';
        const inst = ctx.standIn.installationFor(owner, repo);
        const notFound = { status: 404, body: { message: 'Not Found', documentation_url: DOCS } };
        // GitHub answers 404, not 403, for a repository the token cannot see.
        if (!inst || inst.id !== ctx.installationId) return notFound;
        const denied = store.deniedStatus(owner, repo);
        if (denied)
          return {
            status: denied,
            body: {
              message:
                denied === 403 ? 'Resource not accessible by integration' : 'Bad credentials',
              documentation_url: DOCS,
            },
          };
        const content = store.get(owner, repo, ref, path);
        if (content) {
          const inline = content.length <= INLINE_LIMIT;
          return {
            status: 200,
            body: {
              ...entry(ctx, path, 'file', content),
              encoding: inline ? 'base64' : 'none',
              content: inline ? wrap(content.toString('base64')) : '',
            },
          };
        }
        const listing = store.list(owner, repo, ref, path);
        if (listing.length === 0) return notFound;
        return {
          status: 200,
          body: listing.map(({ name, file }) =>
            entry(
              ctx,
              `${path}/${name}`,
              file ? 'file' : 'dir',
              file ? store.get(owner, repo, ref, `${path}/${name}`) : undefined,
            ),
          ),
        };
      },
    },
  ];
}
