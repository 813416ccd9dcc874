import { describe, expect, it } from 'vitest';
import { decodeContent as decode } from '../../src/adapters/decode-content.js';

const file = (content: Buffer, over: Record<string, unknown> = {}) => ({
  type: 'file',
  encoding: 'base64',
  size: content.length,
  name: 'workflow.kdl',
  path: '.solstice/workflow.kdl',
  // GitHub wraps its base64 at 60 characters.
  content: (content.toString('base64').match(/.{1,60}/g) ?? []).join('\n') + '\n',
  ...over,
});

describe("reading the Contents API's answer", () => {
  const text = 'workflow {\n  job "build" script=".solstice/build.sh"\n}\n'.repeat(3);

  it('decodes base64 content, line breaks and all', () => {
    expect(decode(file(Buffer.from(text)), 65_536)).toEqual({ state: 'file', text });
  });

  it('takes the raw media type (a string) as it is', () => {
    expect(decode(text, 65_536)).toEqual({ state: 'file', text });
  });

  it('refuses a file over the limit by its size, before decoding', () => {
    expect(decode(file(Buffer.from('x'), { size: 70_000, content: '!!' }), 65_536)).toEqual({
      state: 'unusable',
      reason: '70000 bytes, over the limit of 65536 (WORKFLOW_MAX_BYTES)',
    });
    expect(decode('x'.repeat(70_000), 65_536)).toMatchObject({ state: 'unusable' });
  });

  it("refuses GitHub's empty answer for files over 1 MB", () => {
    expect(
      decode(file(Buffer.from(''), { size: 10, encoding: 'none', content: '' }), 65_536),
    ).toEqual({ state: 'unusable', reason: 'content in an unknown encoding (none)' });
  });

  it('refuses a directory, a symlink and bytes that are not UTF-8', () => {
    expect(decode([{ type: 'file', name: 'a' }], 65_536)).toEqual({
      state: 'unusable',
      reason: 'a directory, not a file',
    });
    expect(decode({ type: 'symlink', target: '/etc/passwd' }, 65_536)).toEqual({
      state: 'unusable',
      reason: 'a symlink, not a file',
    });
    expect(decode(file(Buffer.from([0x6a, 0xff, 0xfe, 0x80])), 65_536)).toEqual({
      state: 'unusable',
      reason: 'not UTF-8 text',
    });
  });
});
