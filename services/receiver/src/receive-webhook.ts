import { randomUUID } from 'node:crypto';
import { HttpError, type RawEvent } from '@solstice/shared';
import type { EventStore } from './adapters/redis-event-store.js';
import { classifyEvent } from './classify-event.js';
import { bodyText, decodeBody } from './decode-body.js';
import type { Outcome } from './receiver-metrics.js';

/** The parts of an HTTP request a delivery is made of. */
export interface WebhookRequest {
  /** A header by its lower-case name. */
  header(name: string): string | undefined;
  body: Buffer;
  /** The body's HMAC matched X-Hub-Signature-256 under one of the secrets (computed as it streamed in). */
  signatureValid: boolean;
}

/** What is known about a delivery so far, filled in step by step for the log line. */
export interface DeliveryNote {
  verified: boolean;
  delivery?: string;
  /** The request had no X-GitHub-Delivery: `delivery` was made here. */
  deliveryGenerated?: boolean;
  event?: string;
  action?: string;
  reason?: string;
}

export interface Received {
  status: 200 | 202 | 204;
  outcome: Outcome;
  body?: Record<string, string>;
}

export interface ReceiveDeps {
  /** Empty: dev mode, unsigned requests are accepted. */
  secrets: readonly string[];
  checkSuiteRequested: boolean;
  allowed: (payload: Record<string, unknown>) => boolean;
  store: EventStore;
  now: () => Date;
}

const EVENT = /^[a-z_]{1,64}$/;
const DELIVERY = /^[A-Za-z0-9._-]{1,128}$/;
const HOOK_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * One delivery, in the order the contract sets: signature on the raw bytes, headers, decode,
 * classify, allowlist, store. Refusals throw an HttpError carrying the status.
 */
export async function receiveWebhook(
  req: WebhookRequest,
  deps: ReceiveDeps,
  note: DeliveryNote,
): Promise<Received> {
  note.delivery = req.header('x-github-delivery');
  note.event = req.header('x-github-event');
  if (deps.secrets.length > 0 && !req.signatureValid) {
    note.reason =
      req.header('x-hub-signature-256') === undefined ? 'signature missing' : 'signature wrong';
    throw new HttpError(401, 'X-Hub-Signature-256 is missing or does not match the body');
  }
  note.verified = true;

  const event = requireHeader(note.event, 'X-GitHub-Event', EVENT);
  // GitHub always sends a delivery GUID; a local smoke test or another forge's relay may not
  // (the seed's curl example): such a delivery gets an id of its own and is never deduplicated.
  const generated = note.delivery === undefined || note.delivery === '';
  const delivery = generated
    ? randomUUID()
    : requireHeader(note.delivery, 'X-GitHub-Delivery', DELIVERY);
  if (generated) {
    note.delivery = delivery;
    note.deliveryGenerated = true;
  }
  const hookId = req.header('x-github-hook-id') ?? '0';
  if (!HOOK_ID.test(hookId)) throw new HttpError(400, 'X-GitHub-Hook-ID is malformed');

  const text = bodyText(req.body);
  const contentType = req.header('content-type') ?? '';
  const payload = decodeBody(contentType, text);
  if (typeof payload.action === 'string') note.action = payload.action;

  const verdict = classifyEvent(event, payload, deps);
  if (!verdict.take) {
    note.reason = verdict.reason;
    if (verdict.status === 204) return { status: 204, outcome: 'ignored' };
    // A ping is remembered like any delivery, so the delivery log shows it arrived.
    if (!generated) await deps.store.markDelivered(hookId, delivery, 'ping');
    return { status: 200, outcome: 'ping', body: { status: 'pong', delivery } };
  }
  if (!deps.allowed(payload)) {
    note.reason = 'repository not allowed';
    // Marked like a stored one: the sweep redelivers a 202 whose mark is missing (lost with a primary).
    if (!generated) await deps.store.markDelivered(hookId, delivery, 'dropped');
    return { status: 202, outcome: 'dropped', body: { status: 'dropped', delivery } };
  }

  const raw: RawEvent = {
    delivery,
    hook_id: hookId,
    event,
    content_type: contentType,
    body: text,
    installation_target_type: req.header('x-github-hook-installation-target-type') ?? '',
    installation_target_id: req.header('x-github-hook-installation-target-id') ?? '',
    received_at: deps.now().toISOString(),
  };
  if (generated) {
    const id = await deps.store.append({ ...raw, delivery_generated: '1' });
    return {
      status: 202,
      outcome: 'stored',
      body: { status: 'stored', delivery, delivery_generated: 'true', entry_id: id },
    };
  }
  const { id, created } = await deps.store.store(raw);
  return created
    ? { status: 202, outcome: 'stored', body: { status: 'stored', delivery, entry_id: id } }
    : { status: 200, outcome: 'duplicate', body: { status: 'duplicate', delivery, entry_id: id } };
}

function requireHeader(value: string | undefined, name: string, pattern: RegExp): string {
  if (value === undefined || value === '') throw new HttpError(400, `${name} header is missing`);
  if (!pattern.test(value)) throw new HttpError(400, `${name} header is malformed`);
  return value;
}
