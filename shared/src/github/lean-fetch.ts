import { STATUS_CODES } from 'node:http';
import type { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';

// fetch follows at most 20 redirects (https://fetch.spec.whatwg.org/#http-redirect-fetch).
const MAX_REDIRECTS = 20;

/** What @octokit/request passes to its fetch (request.fetch): a subset of fetch's init. */
export interface LeanInit {
  method?: string;
  body?: string | Buffer | Uint8Array | Readable | null;
  headers?: Record<string, string>;
  redirect?: 'follow' | 'manual' | 'error';
  signal?: AbortSignal | null;
}

/** The headers of an answer as fetch's Headers reads them: names in lower case, repeats joined. */
class LeanHeaders {
  constructor(private readonly map: Map<string, string>) {}
  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }
  forEach(fn: (value: string, name: string) => void): void {
    this.map.forEach(fn);
  }
  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }
  keys(): IterableIterator<string> {
    return this.map.keys();
  }
  values(): IterableIterator<string> {
    return this.map.values();
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.map.entries();
  }
}

/** An answer read whole (GitHub's are small JSON documents), with what octokit reads of a Response. */
class LeanResponse {
  readonly ok: boolean;
  readonly statusText: string;
  readonly redirected = false;
  readonly type = 'basic';
  bodyUsed = false;
  constructor(
    readonly url: string,
    readonly status: number,
    readonly headers: LeanHeaders,
    private readonly bytes: Buffer,
  ) {
    this.ok = status >= 200 && status < 300;
    this.statusText = STATUS_CODES[status] ?? '';
  }
  private use(): Buffer {
    if (this.bodyUsed) throw new TypeError('Body is unusable: Body has already been read');
    this.bodyUsed = true;
    return this.bytes;
  }
  async text(): Promise<string> {
    // As fetch: UTF-8, a byte order mark dropped.
    return new TextDecoder().decode(this.use());
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    const b = this.use();
    return Promise.resolve(
      b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer,
    );
  }
  get body(): ReadableStream<Uint8Array> | null {
    return this.bytes.length === 0 ? null : new Blob([new Uint8Array(this.use())]).stream();
  }
}

function headersOf(raw: Record<string, string | string[] | undefined>): LeanHeaders {
  const map = new Map<string, string>();
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) map.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return new LeanHeaders(map);
}

export type LeanFetch = (url: string | URL, init?: LeanInit) => Promise<LeanResponse>;

/**
 * A fetch for octokit's `request.fetch` on undici's request API over a keep-alive connection
 * pool (`dispatcher`), without the WHATWG fetch machinery (Request, streams, the fetch
 * algorithm's steps) that Node's global fetch runs on every call. It keeps what octokit relies
 * on: redirects followed (up to 20) unless told otherwise, the answer's status, headers and
 * body, an AbortSignal, and a network failure thrown as fetch throws it (a TypeError whose
 * cause says why), which octokit turns into a 500 RequestError that plugin-retry retries.
 * Not kept: the answer's `url` is the one asked for (fetch's is the last one after redirects;
 * octokit copies it to `response.url`, which nothing here reads), and no `accept-encoding` is
 * sent, so GitHub answers uncompressed (nothing to inflate).
 */
export function createLeanFetch(dispatcher: Dispatcher = sharedAgent()): LeanFetch {
  return async (url, init = {}) => {
    const href = String(url);
    const follow = (init.redirect ?? 'follow') === 'follow';
    let answer: Dispatcher.ResponseData;
    try {
      answer = await request(href, {
        dispatcher,
        method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: init.headers,
        body: init.body ?? null,
        signal: init.signal ?? undefined,
        maxRedirections: follow ? MAX_REDIRECTS : 0,
      });
    } catch (err) {
      // As fetch: aborted, the signal's reason; else a TypeError whose cause says why.
      if (init.signal?.aborted) throw init.signal.reason ?? err;
      throw new TypeError('fetch failed', { cause: err });
    }
    const bytes = Buffer.from(await answer.body.arrayBuffer());
    const status = answer.statusCode;
    if (init.redirect === 'error' && status >= 300 && status < 400 && answer.headers.location)
      throw new TypeError('fetch failed', { cause: new Error('unexpected redirect') });
    return new LeanResponse(href, status, headersOf(answer.headers), bytes);
  };
}

let agent: Agent | undefined;

/** One keep-alive pool per origin for the whole process, as Node's global fetch has. */
function sharedAgent(): Agent {
  return (agent ??= new Agent());
}
