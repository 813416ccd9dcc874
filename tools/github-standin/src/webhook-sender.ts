import { randomUUID } from 'node:crypto';
import { sign } from '@octokit/webhooks-methods';

/** One delivery as GitHub's "List deliveries for an app webhook" shows it. */
export interface DeliveryItem {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  duration: number;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
  throttled_at: string | null;
}

/** One delivery as "Get a delivery for an app webhook" shows it: the item plus what was sent and answered. */
export interface StandInDelivery extends DeliveryItem {
  url: string;
  request: { headers: Record<string, string>; payload: unknown };
  response: { headers: Record<string, string>; payload: string | null };
}

export interface SendWebhookOptions {
  /** The receiver's webhook URL. */
  url: string;
  /** The App's webhook secret; none = no signature headers (a receiver in dev mode). */
  secret?: string;
  event: string;
  payload: unknown;
  hookId: number;
  /** installation_id of the delivery item (else payload.installation.id). */
  installationId?: number;
}

export interface WebhookSenderOptions {
  /** X-GitHub-Hook-Installation-Target-ID: for an App's webhook, the App's id. */
  appId: number;
  /** GitHub gives up on a receiver after 10 s. */
  timeoutMs?: number;
}

interface Sent {
  delivery: StandInDelivery;
  body: string;
  secret: string | undefined;
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * The stand-in acting as GitHub sending the App's webhooks: signs and sends a delivery,
 * records it as GitHub lists it (GET /app/hook/deliveries), and redelivers a recorded one
 * with the same GUID (POST /app/hook/deliveries/{id}/attempts). Tests read `deliveries`.
 */
export class WebhookSender {
  private readonly sent = new Map<number, Sent>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private nextId = 12_000_000_001;

  constructor(readonly options: WebhookSenderOptions) {}

  /** Every recorded delivery, newest first (by id, as GitHub lists them). */
  deliveries(): StandInDelivery[] {
    return [...this.sent.values()].map((s) => s.delivery).sort((a, b) => b.id - a.id);
  }

  get(id: number): StandInDelivery | undefined {
    return this.sent.get(id)?.delivery;
  }

  /** Signs and sends one webhook with a new delivery GUID; resolves once it is recorded. */
  sendWebhook(o: SendWebhookOptions): Promise<StandInDelivery> {
    const body = JSON.stringify(o.payload);
    const p = o.payload as {
      action?: unknown;
      installation?: { id?: unknown };
      repository?: { id?: unknown };
    } | null;
    const headers: Record<string, string> = {
      Accept: '*/*',
      'User-Agent': 'GitHub-Hookshot/standin',
      'Content-Type': 'application/json',
      'X-GitHub-Delivery': randomUUID(),
      'X-GitHub-Event': o.event,
      'X-GitHub-Hook-ID': String(o.hookId),
      // https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers
      'X-GitHub-Hook-Installation-Target-Type': 'integration',
      'X-GitHub-Hook-Installation-Target-ID': String(this.options.appId),
    };
    const number = (v: unknown) => (typeof v === 'number' ? v : null);
    const item = {
      guid: headers['X-GitHub-Delivery']!,
      redelivery: false,
      event: o.event,
      action: typeof p?.action === 'string' ? p.action : null,
      installation_id: o.installationId ?? number(p?.installation?.id),
      repository_id: number(p?.repository?.id),
    };
    return this.attempt(o.url, headers, body, o.secret, item);
  }

  /**
   * Starts a redelivery of a recorded delivery (same GUID and payload, a new item with
   * redelivery: true) and returns at once, as GitHub answers 202 before it sends.
   * False when there is no such delivery.
   */
  startRedelivery(id: number): boolean {
    const original = this.sent.get(id);
    if (!original) return false;
    const { delivery } = original;
    const p = this.attempt(
      delivery.url,
      { ...delivery.request.headers },
      original.body,
      original.secret,
      {
        guid: delivery.guid,
        redelivery: true,
        event: delivery.event,
        action: delivery.action,
        installation_id: delivery.installation_id,
        repository_id: delivery.repository_id,
      },
    );
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
    return true;
  }

  /** Resolves once every redelivery started so far has been sent and recorded. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async attempt(
    url: string,
    headers: Record<string, string>,
    body: string,
    secret: string | undefined,
    item: Pick<
      DeliveryItem,
      'guid' | 'redelivery' | 'event' | 'action' | 'installation_id' | 'repository_id'
    >,
  ): Promise<StandInDelivery> {
    // GitHub numbers a delivery when it starts the attempt, and lists it once it is done.
    const id = this.nextId++;
    const request = { ...headers };
    delete request['X-Hub-Signature-256'];
    if (secret !== undefined) request['X-Hub-Signature-256'] = await sign(secret, body);
    const deliveredAt = now();
    const started = performance.now();
    let outcome: Pick<DeliveryItem, 'status' | 'status_code'>;
    let response: StandInDelivery['response'] = { headers: {}, payload: null };
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: request,
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      const text = await res.text();
      response = { headers: Object.fromEntries(res.headers), payload: text.slice(0, 4096) };
      outcome = {
        status_code: res.status,
        status: res.ok ? 'OK' : `Invalid HTTP Response: ${res.status}`,
      };
    } catch (err) {
      outcome = { status_code: 0, status: failureStatus(err) };
    }
    const delivery: StandInDelivery = {
      id,
      ...item,
      delivered_at: deliveredAt,
      duration: Math.round(performance.now() - started) / 1000,
      ...outcome,
      throttled_at: null,
      url,
      request: { headers: request, payload: JSON.parse(body) as unknown },
      response,
    };
    this.sent.set(id, { delivery, body, secret });
    return delivery;
  }
}

function failureStatus(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: string } };
  if (e.name === 'TimeoutError') return 'timed out';
  if (e.cause?.code === 'ECONNREFUSED') return 'connection refused';
  return 'failed to connect';
}
