import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT_CHANNELS, INVOKE_CHANNELS, IpcChannel, isJoinLink, isRelayTrustRequest } from '../../contract/ipc';
import { invokeRequestSchemas } from '../../main/ipc-schemas';

import { REPO_ROOT, sourceFiles } from '../harness/source-files';

describe('IPC contract', () => {
  it('names every channel once, under the clinic: prefix', () => {
    const all = [...INVOKE_CHANNELS, ...EVENT_CHANNELS];
    expect(new Set(all).size).toBe(all.length);
    for (const channel of all) expect(channel).toMatch(/^clinic:[a-z-]+:[a-z-]+$/);
  });

  it('has a runtime argument schema for exactly the contract channels', () => {
    expect(Object.keys(invokeRequestSchemas).sort()).toEqual([...INVOKE_CHANNELS].sort());
  });

  it('validates arguments as tuples: no missing, extra or mistyped arguments', () => {
    expect(invokeRequestSchemas[IpcChannel.getAppInfo].safeParse([]).success).toBe(true);
    expect(invokeRequestSchemas[IpcChannel.getAppInfo].safeParse([1]).success).toBe(false);
    expect(invokeRequestSchemas[IpcChannel.hostedRelayStart].safeParse([0]).success).toBe(true);
    expect(invokeRequestSchemas[IpcChannel.hostedRelayStart].safeParse([65535]).success).toBe(true);
    expect(invokeRequestSchemas[IpcChannel.hostedRelayStart].safeParse([-1]).success).toBe(false);
    expect(invokeRequestSchemas[IpcChannel.openExternal].safeParse(['x'.repeat(2049)]).success).toBe(false);
    const id = '2f1c9a4e-7b7d-4c1e-9f5a-0d6e2b1a3c4d';
    expect(invokeRequestSchemas[IpcChannel.answerRelayTrust].safeParse([id, false]).success).toBe(true);
    expect(invokeRequestSchemas[IpcChannel.answerRelayTrust].safeParse([id, 1]).success).toBe(false);
    expect(invokeRequestSchemas[IpcChannel.answerRelayTrust].safeParse(['x'.repeat(36), true]).success).toBe(false);
  });

  it('is the only place a channel name is written (main, preload and renderer use the constants)', async () => {
    const files = [...sourceFiles('main'), ...sourceFiles('preload'), ...sourceFiles('renderer')].filter(
      (file) => !file.startsWith(join('renderer', 'dist')),
    );
    expect(files.length).toBeGreaterThan(10);
    const offenders: string[] = [];
    for (const file of files) {
      const text = await readFile(join(REPO_ROOT, file), 'utf8');
      for (const channel of [...INVOKE_CHANNELS, ...EVENT_CHANNELS]) {
        if (text.includes(`'${channel}'`) || text.includes(`"${channel}"`) || text.includes(`\`${channel}\``))
          offenders.push(`${file}: ${channel}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe('isJoinLink', () => {
  it('accepts the contract shape only', () => {
    expect(isJoinLink({ relayUrl: 'ws://a:1/ws', invite: 'k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX' })).toBe(true);
    // A consultation code (protocol 2 links) or a damaged secret is not a join link any more.
    expect(isJoinLink({ relayUrl: 'ws://a:1/ws', code: 'ABCD2345' })).toBe(false);
    expect(isJoinLink({ relayUrl: 'ws://a:1/ws', invite: 'k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTv+' })).toBe(false);
    expect(isJoinLink({ relayUrl: 'ws://a:1/ws' })).toBe(false);
    expect(isJoinLink({ relayUrl: 1, invite: 'k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX' })).toBe(false);
    expect(isJoinLink({ relayUrl: 'x'.repeat(2049), invite: 'k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX' })).toBe(false);
    expect(isJoinLink('ws://a:1/ws')).toBe(false);
    expect(isJoinLink(null)).toBe(false);
  });
});

describe('isRelayTrustRequest', () => {
  const request = {
    id: '2f1c9a4e-7b7d-4c1e-9f5a-0d6e2b1a3c4d',
    host: '192.168.1.5',
    port: 8787,
    fingerprint: Array(32).fill('AB').join(':'),
  };
  it('accepts the contract shape only', () => {
    expect(isRelayTrustRequest(request)).toBe(true);
    expect(isRelayTrustRequest({ ...request, port: 0 })).toBe(false);
    expect(isRelayTrustRequest({ ...request, port: '8787' })).toBe(false);
    expect(isRelayTrustRequest({ ...request, fingerprint: 'ab'.repeat(32) })).toBe(false);
    expect(isRelayTrustRequest({ ...request, host: 'x'.repeat(256) })).toBe(false);
    expect(isRelayTrustRequest({ ...request, id: undefined })).toBe(false);
    expect(isRelayTrustRequest(null)).toBe(false);
  });
});
