import { tooLarge } from '../parse-workflow.js';
import type { WorkflowFile } from './workflow-source.js';

/** GitHub's answer (JSON, or the raw media type's text) as a WorkflowFile. */
export function decodeContent(data: unknown, maxBytes: number): WorkflowFile {
  let bytes: Buffer;
  if (typeof data === 'string') {
    bytes = Buffer.from(data, 'utf8');
  } else if (Array.isArray(data)) {
    return { state: 'unusable', reason: 'a directory, not a file' };
  } else {
    const f = (data ?? {}) as {
      type?: unknown;
      size?: unknown;
      encoding?: unknown;
      content?: unknown;
    };
    if (f.type !== 'file') return { state: 'unusable', reason: `a ${String(f.type)}, not a file` };
    // Checked before decoding: GitHub gives the size, and no content at all past 1 MB.
    if (typeof f.size === 'number' && f.size > maxBytes)
      return { state: 'unusable', reason: tooLarge(f.size, maxBytes) };
    if (f.encoding !== 'base64' || typeof f.content !== 'string')
      return {
        state: 'unusable',
        reason: `content in an unknown encoding (${String(f.encoding)})`,
      };
    bytes = Buffer.from(f.content, 'base64');
  }
  if (bytes.length > maxBytes)
    return { state: 'unusable', reason: tooLarge(bytes.length, maxBytes) };
  try {
    return { state: 'file', text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { state: 'unusable', reason: 'not UTF-8 text' };
  }
}
