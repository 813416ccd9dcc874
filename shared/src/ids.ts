import { v5 as uuidv5 } from 'uuid';

// Fixed namespace for Solstice ids: changing it would change every id ever issued.
export const SOLSTICE_NAMESPACE = '6f0d5a4e-6c1b-5d3e-9a57-1f6b8c2d4e10';

/** group_id: one per webhook delivery. */
export function groupIdFor(deliveryId: string): string {
  return uuidv5(deliveryId, SOLSTICE_NAMESPACE);
}

/** request_id: one per (delivery, job); re-expanding a delivery yields the same ids. */
export function requestIdFor(deliveryId: string, jobId: string): string {
  return uuidv5(`${deliveryId}:${jobId}`, SOLSTICE_NAMESPACE);
}
