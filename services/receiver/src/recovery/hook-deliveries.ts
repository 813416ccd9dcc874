import type { GitHubClient } from '@solstice/shared';
import type { HookDelivery } from './choose-redeliveries.js';

/** The App's webhook deliveries on GitHub, as the sweep uses them. */
export interface HookDeliveries {
  /** Pages of deliveries, newest first. */
  pages(perPage: number): AsyncIterable<HookDelivery[]>;
  /** The X-GitHub-Hook-ID a delivery was sent with. */
  hookIdOf(deliveryId: number): Promise<string | undefined>;
  /** Asks GitHub to send a delivery again (same GUID); GitHub answers 202 and sends later. */
  redeliver(deliveryId: number): Promise<void>;
}

/**
 * The `cursor` of the Link header's rel="next" URL, if there is a next page. (Paging by
 * cursor rather than following the URL keeps the route label of the call metrics fixed.)
 */
export function nextCursorOf(link: string | undefined): string | undefined {
  for (const part of (link ?? '').split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (!m) continue;
    try {
      return new URL(m[1]!).searchParams.get('cursor') ?? undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * The REST endpoints for GitHub App webhooks, with the App's JWT:
 * https://docs.github.com/en/rest/apps/webhooks. Paging takes the cursor from the Link
 * header's rel="next" URL.
 */
export function gitHubHookDeliveries(app: GitHubClient): HookDeliveries {
  return {
    async *pages(perPage) {
      let cursor: string | undefined;
      do {
        const { data, headers } = await app.request('GET /app/hook/deliveries', {
          per_page: perPage,
          ...(cursor === undefined ? {} : { cursor }),
        });
        yield data.map((d) => ({
          id: Number(d.id),
          guid: d.guid,
          delivered_at: d.delivered_at,
          redelivery: d.redelivery,
          status: d.status,
          status_code: d.status_code,
          event: d.event,
          action: d.action,
        }));
        cursor = nextCursorOf(headers.link);
      } while (cursor !== undefined);
    },
    async hookIdOf(deliveryId) {
      const { data } = await app.request('GET /app/hook/deliveries/{delivery_id}', {
        delivery_id: deliveryId,
      });
      const headers = data.request.headers ?? {};
      const name = Object.keys(headers).find((k) => k.toLowerCase() === 'x-github-hook-id');
      const value = name === undefined ? undefined : headers[name];
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a header's value: a string or number
      return value === undefined || value === null ? undefined : String(value);
    },
    async redeliver(deliveryId) {
      await app.request('POST /app/hook/deliveries/{delivery_id}/attempts', {
        delivery_id: deliveryId,
      });
    },
  };
}
