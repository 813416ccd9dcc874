import type { Route, RouteResult } from '../server.js';
import type { DeliveryItem, StandInDelivery, WebhookSender } from '../webhook-sender.js';

// https://docs.github.com/en/rest/apps/webhooks — the App's hook deliveries, App JWT only.
const DOCS = 'https://docs.github.com/rest/apps/webhooks';
const notFound: RouteResult = {
  status: 404,
  body: { message: 'Not Found', documentation_url: DOCS },
};

const itemOf = ({ url: _u, request: _q, response: _r, ...item }: StandInDelivery): DeliveryItem =>
  item;

/**
 * GET /app/hook/deliveries (newest first; `per_page` up to 100; `cursor` paging with a Link
 * header rel="next" as GitHub gives it; `status=success|failure`), GET …/{id}, and
 * POST …/{id}/attempts (202, then really redelivers through `sender`).
 */
export function deliveryRoutes(sender: WebhookSender): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/app/hook/deliveries',
      auth: 'jwt',
      handle: ({ standIn, query }) => {
        const perPage = Math.min(Math.max(Number(query.get('per_page') ?? 30) || 30, 1), 100);
        const cursor = query.get('cursor');
        const status = query.get('status');
        let before = Number.POSITIVE_INFINITY;
        if (cursor !== null) {
          const m = /^v1_(\d+)$/.exec(cursor);
          if (!m)
            return { status: 400, body: { message: 'Invalid cursor', documentation_url: DOCS } };
          before = Number(m[1]);
        }
        const ok = (d: StandInDelivery) => d.status_code >= 200 && d.status_code < 300;
        const matching = sender
          .deliveries()
          .filter((d) => d.id < before)
          .filter((d) => status === null || (status === 'success') === ok(d));
        const page = matching.slice(0, perPage);
        const headers: Record<string, string> = {};
        if (matching.length > perPage) {
          const next = new URLSearchParams({ per_page: String(perPage) });
          if (status !== null) next.set('status', status);
          next.set('cursor', `v1_${page[page.length - 1]!.id}`);
          headers.link = `<${standIn.url}/app/hook/deliveries?${next}>; rel="next"`;
        }
        return { status: 200, body: page.map(itemOf), headers };
      },
    },
    {
      method: 'GET',
      pattern: '/app/hook/deliveries/:id',
      auth: 'jwt',
      handle: ({ params }) => {
        const delivery = sender.get(Number(params.id));
        return delivery ? { status: 200, body: delivery } : notFound;
      },
    },
    {
      method: 'POST',
      pattern: '/app/hook/deliveries/:id/attempts',
      auth: 'jwt',
      handle: ({ params }) =>
        sender.startRedelivery(Number(params.id)) ? { status: 202, body: {} } : notFound,
    },
  ];
}
