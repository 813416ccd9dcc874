// What tells KDL 1 and KDL 2 apart on one line, to name the form that stopped a parser.
// https://github.com/kdl-org/kdl/blob/main/CHANGELOG.md (KDL 2.0.0: what changed from 1.0.0)

const KEYWORDS = new Set(['true', 'false', 'null']);
// An identifier-string: legal as a value in KDL 2 only (KDL 1 values are quoted).
const UNQUOTED = /^[A-Za-z_][\w.:/@+-]*$/;
const KDL2_KEYWORD = /^#(true|false|null|inf|-inf|nan)$/;
const KDL2_RAW = /^(#+)""\1$/;
const KDL1_RAW = /^r(#*)""\1$/;

/**
 * The values on a line of KDL (arguments, and property values after `=`), with the contents
 * of strings emptied (`"a b"` → `""`) and comments and type annotations removed, so that
 * nothing inside a string is taken for syntax.
 */
function valuesOn(line: string): string[] {
  const bare = line
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\/\*.*?\*\//g, ' ')
    .replace(/\/\/.*$/, '')
    .replace(/\([^)]*\)/g, ' ');
  const values: string[] = [];
  for (const node of bare.split(/[;{}]/)) {
    const words = node.split(/\s+/).filter((w) => w !== '' && w !== '/-');
    for (const word of words.slice(1)) values.push(word.slice(word.indexOf('=') + 1));
  }
  return values;
}

/** A form of one KDL version: what it is, and how the other version writes it. */
export interface KdlForm {
  what: string;
  other: string;
}

/** A KDL 1 form on `line` that KDL 2 refuses (bare `true`, `r"raw"`); or undefined. */
export function kdl1FormOn(line: string): KdlForm | undefined {
  for (const value of valuesOn(line)) {
    if (KEYWORDS.has(value))
      return { what: `KDL 1's bare ${value}`, other: `KDL 2 writes #${value}` };
    const raw = KDL1_RAW.exec(value);
    if (raw)
      return { what: `a KDL 1 raw string r${raw[1]}"…"${raw[1]}`, other: 'KDL 2 writes #"…"#' };
  }
  return undefined;
}

/** A KDL 2 form on `line` that KDL 1 refuses (`#true`, `#"raw"#`, `"""`, an unquoted value); or undefined. */
export function kdl2FormOn(line: string): KdlForm | undefined {
  if (line.includes('"""'))
    return { what: 'a KDL 2 multi-line string """', other: 'KDL 1 has none' };
  for (const value of valuesOn(line)) {
    const keyword = KDL2_KEYWORD.exec(value)?.[1];
    if (keyword)
      return {
        what: `KDL 2's #${keyword}`,
        other: KEYWORDS.has(keyword) ? `KDL 1 writes ${keyword}` : 'KDL 1 has none',
      };
    const raw = KDL2_RAW.exec(value);
    if (raw)
      return {
        what: `a KDL 2 raw string ${raw[1]}"…"${raw[1]}`,
        other: `KDL 1 writes r${raw[1]}"…"${raw[1]}`,
      };
    if (UNQUOTED.test(value) && !KEYWORDS.has(value))
      return {
        what: `KDL 2's unquoted value ${JSON.stringify(value.slice(0, 40))}`,
        other: 'KDL 1 quotes it',
      };
  }
  return undefined;
}
