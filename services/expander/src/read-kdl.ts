import { parse as parseKdl2, type Document } from 'kdljs';
import { parse as parseKdl1 } from 'kdljs1';
import { kdl1FormOn, kdl2FormOn } from './kdl-forms.js';
import { clip, show } from './show.js';

/** Which parser read the file: KDL 2 first, KDL 1 (kdljs 0.2) when KDL 2 could not. */
export type KdlVersion = 'kdl2' | 'kdl1';

export type KdlRead = { doc: Document; parser: KdlVersion } | { error: string };

/** Where and why one parser stopped. */
interface Stop {
  error: string;
  line?: number;
}

/** The document as KDL 2, else as KDL 1; else why not, naming the line (and the form) of each. */
export function readKdl(text: string): KdlRead {
  const v2 = tryParse(parseKdl2, text);
  if ('doc' in v2) return { doc: v2.doc, parser: 'kdl2' };
  const v1 = tryParse(parseKdl1, text);
  if ('doc' in v1) return { doc: v1.doc, parser: 'kdl1' };
  return { error: neither(text, v2, v1) };
}

/**
 * Why neither parser reads the file. A KDL 1 form on the line where KDL 2 stopped and a KDL 2
 * form on the line where KDL 1 stopped: the file mixes the two, and both lines are named. One
 * of them only: the file is in that version, and that parser's error is the one to fix.
 */
function neither(text: string, v2: Stop, v1: Stop): string {
  // eslint-disable-next-line no-control-regex -- KDL's newlines include VT and FF (\u000b, \u000c)
  const lines = text.split(/\r\n|[\n\r\u0085\u000b\u000c\u2028\u2029]/);
  const lineOf = (n: number | undefined) => (n === undefined ? '' : (lines[n - 1] ?? ''));
  const v1Form = kdl1FormOn(lineOf(v2.line));
  const v2Form = kdl2FormOn(lineOf(v1.line));
  if (v1Form && v2Form) {
    const found = [
      { line: v2.line!, form: v1Form },
      { line: v1.line!, form: v2Form },
    ].sort((a, b) => a.line - b.line);
    const named = found.map((f) => `line ${f.line} has ${f.form.what} (${f.form.other})`);
    return `mixes KDL 1 and KDL 2: ${named.join(', ')}; write the whole file in one version (KDL 2: https://kdl.dev)`;
  }
  if (v1Form) return `not valid KDL 1 (line ${v2.line} has ${v1Form.what}): ${v1.error}`;
  if (v2Form) return `not valid KDL 2 (line ${v1.line} has ${v2Form.what}): ${v2.error}`;
  return `not valid KDL (2 or 1): ${v2.error}`;
}

/** kdljs reports chevrotain errors: the token where it stopped, with its line and column. */
function tryParse(parse: typeof parseKdl2, text: string): { doc: Document } | Stop {
  let result: ReturnType<typeof parseKdl2>;
  try {
    result = parse(text);
  } catch (err) {
    // kdljs recurses once per nesting level: a hostile file overflows the stack.
    if (err instanceof RangeError) return { error: 'nodes are nested too deeply to read' };
    return { error: `the parser failed (${clip(String(err))})` };
  }
  const first = result.errors[0];
  if (first || !result.output) {
    const token = (
      first as { token?: { image?: string; startLine?: number; startColumn?: number } }
    )?.token;
    if (token && Number.isFinite(token.startLine))
      return {
        error: `unexpected ${show(token.image ?? '')} at line ${token.startLine}, column ${token.startColumn}`,
        line: token.startLine,
      };
    // chevrotain's end-of-input token has no position.
    if (token) return { error: 'unexpected end of file (a { without its })' };
    return { error: clip(first?.message ?? 'no document') };
  }
  return { doc: result.output };
}
