// The programs' fd writer (core/src/cli/fd-output.ts) against a scripted write(2): every byte is
// written through short writes and EAGAIN, EPIPE drops the rest quietly, other errors are thrown
// on stdout and swallowed on stderr.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT_STDOUT_CLOSED, FdOutput } from 'mdevctl/cli';

type Step = number | string; // bytes this call writes, or the error code it throws

function scripted(steps: Step[]): { write: (fd: number, b: Uint8Array, off: number, len: number) => number; got: Buffer[]; calls: () => number } {
  const got: Buffer[] = [];
  let i = 0;
  return {
    got,
    calls: () => i,
    write: (fd, b, off, len) => {
      assert.equal(fd, 7);
      const step = steps[i++] ?? len;
      if (typeof step === 'string') throw Object.assign(new Error(step), { code: step });
      const n = Math.min(step, len);
      got.push(Buffer.from(b.subarray(off, off + n)));
      return n;
    },
  };
}

test('short writes and EAGAIN: every byte arrives once, in order', () => {
  const text = 'αβγ-'.repeat(1000);
  const s = scripted([1, 'EAGAIN', 'EAGAIN', 5, 0, 'EAGAIN', 100]);
  const out = new FdOutput(7, true, s.write);
  assert.equal(out.write(text), true);
  assert.equal(Buffer.concat(s.got).toString('utf8'), text);
  assert.equal(out.closed, false);
});

test('EPIPE: the rest and every later write are dropped, quietly', () => {
  const s = scripted([3, 'EPIPE']);
  const out = new FdOutput(7, true, s.write);
  assert.equal(out.write('abcdef'), false);
  assert.equal(out.closed, true);
  const calls = s.calls();
  assert.equal(out.write('more'), false);
  assert.equal(s.calls(), calls, 'no write after EPIPE');
  assert.equal(Buffer.concat(s.got).toString(), 'abc');
  assert.equal(EXIT_STDOUT_CLOSED, 141);
});

test('other errors: thrown on a fatal stream (stdout), swallowed on stderr', () => {
  assert.throws(() => new FdOutput(7, true, scripted(['ENOSPC']).write).write('x'), { code: 'ENOSPC' });
  const err = new FdOutput(7, false, scripted(['EIO']).write);
  assert.equal(err.write('x'), false);
  assert.equal(err.closed, true);
});
