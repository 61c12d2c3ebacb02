/** The emulator suite's gate: found on PATH (or $MOTO_SERVER) it runs; missing, CI fails and a laptop skips. */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MOTO_DIFFERENCES, MOTO_INSTALL, motoMissingMessage, motoServerPath } from '../helpers/moto-server';

describe('finding moto_server', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'keyturn-moto-'));
    writeFileSync(path.join(dir, 'moto_server'), '#!/bin/sh\n');
    chmodSync(path.join(dir, 'moto_server'), 0o755);
    writeFileSync(path.join(dir, 'not-executable'), '');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('an executable moto_server on PATH is found', () => {
    expect(motoServerPath({ PATH: ['/nonexistent', dir].join(path.delimiter) })).toBe(
      path.join(dir, 'moto_server'),
    );
  });

  test('without one on PATH there is none, and the message names the install line', () => {
    expect(motoServerPath({ PATH: '/nonexistent' })).toBeUndefined();
    expect(motoMissingMessage()).toContain(MOTO_INSTALL);
    expect(MOTO_INSTALL).toBe("pip install 'moto[server]'");
  });

  test('$MOTO_SERVER wins over PATH, and must be executable', () => {
    expect(motoServerPath({ PATH: dir, MOTO_SERVER: path.join(dir, 'not-executable') })).toBeUndefined();
    expect(motoServerPath({ PATH: '/nonexistent', MOTO_SERVER: path.join(dir, 'moto_server') })).toBe(
      path.join(dir, 'moto_server'),
    );
  });

  test('every known moto difference says what AWS does and how the suite compensates', () => {
    expect(MOTO_DIFFERENCES.length).toBeGreaterThan(5);
    for (const difference of MOTO_DIFFERENCES) {
      expect(difference.moto.length).toBeGreaterThan(20);
      expect(difference.aws.length).toBeGreaterThan(20);
      expect(difference.compensation.length).toBeGreaterThan(20);
    }
  });
});
