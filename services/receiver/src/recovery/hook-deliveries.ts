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
 * The REST endpoints for GitHub App webhooks, with the App's JWT:
 * https://docs.github.com/en/rest/apps/webhooks. Paging follows the Link header's
 * rel="next" URL, which carries the cursor.
 */
export function gitHubHookDeliveries(app: GitHubClient): HookDeliveries {
  return {
    async *pages(perPage) {
      const pages = app.paginate.iterator('GET /app/hook/deliveries', { per_page: perPage });
      for await (const page of pages) {
        yield page.data.map((d) => ({
          id: Number(d.id),
          guid: d.guid,
          delivered_at: d.delivered_at,
          redelivery: d.redelivery,
          status: d.status,
          status_code: d.status_code,
          event: d.event,
          action: d.action,
        }));
      }
    },
    async hookIdOf(deliveryId) {
      const { data } = await app.request('GET /app/hook/deliveries/{delivery_id}', {
        delivery_id: deliveryId,
      });
      const headers = data.request.headers ?? {};
      const name = Object.keys(headers).find((k) => k.toLowerCase() === 'x-github-hook-id');
      const value = name === undefined ? undefined : headers[name];
      return value === undefined || value === null ? undefined : String(value);
    },
    async redeliver(deliveryId) {
      await app.request('POST /app/hook/deliveries/{delivery_id}/attempts', {
        delivery_id: deliveryId,
      });
    },
  };
}
