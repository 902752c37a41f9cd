import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { defaultDatabasePath } from '../../src-main/store/default-path.ts';

function withEnv(vars: Record<string, string | undefined>, fn: () => void): void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (v: Record<string, string | undefined>) => {
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) delete process.env[k];
      else process.env[k] = x;
    }
  };
  set(vars);
  try {
    fn();
  } finally {
    set(saved);
  }
}

test('defaultDatabasePath lives under XDG_DATA_HOME on Linux', { skip: process.platform !== 'linux' }, () => {
  withEnv({ PWB_DB: undefined, XDG_DATA_HOME: '/srv/xdg-data' }, () => {
    assert.equal(defaultDatabasePath(), '/srv/xdg-data/pruning-workbench/workbench.sqlite');
  });
});

test('PWB_DB overrides the default path, resolved against the working directory', () => {
  withEnv({ PWB_DB: '/var/tmp/my.sqlite', XDG_DATA_HOME: '/srv/xdg-data' }, () => {
    assert.equal(defaultDatabasePath(), '/var/tmp/my.sqlite');
  });
  withEnv({ PWB_DB: 'rel/my.sqlite' }, () => {
    assert.equal(defaultDatabasePath(), path.resolve('rel/my.sqlite'));
  });
  withEnv({ PWB_DB: '', XDG_DATA_HOME: '/srv/xdg-data' }, () => {
    assert.notEqual(defaultDatabasePath(), path.resolve(''));
  });
});
