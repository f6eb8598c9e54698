import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT_CHANNELS, INVOKE_CHANNELS, IpcChannel, isJoinLink } from '../../contract/ipc';
import { invokeRequestSchemas } from '../../main/ipc-schemas';

const ROOT = join(import.meta.dirname, '..', '..');

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, dir), { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && /\.(ts|tsx)$/.test(e.name)).map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

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
  });

  it('is the only place a channel name is written (main, preload and renderer use the constants)', async () => {
    const files = [...(await sourceFiles('main')), ...(await sourceFiles('preload')), ...(await sourceFiles('renderer'))].filter(
      (file) => !file.startsWith(join('renderer', 'dist')),
    );
    expect(files.length).toBeGreaterThan(10);
    const offenders: string[] = [];
    for (const file of files) {
      const text = await readFile(join(ROOT, file), 'utf8');
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
    expect(isJoinLink({ relayUrl: 'ws://a:1/ws', code: 'ABCD2345' })).toBe(true);
    expect(isJoinLink({ relayUrl: 'ws://a:1/ws' })).toBe(false);
    expect(isJoinLink({ relayUrl: 1, code: 'x' })).toBe(false);
    expect(isJoinLink({ relayUrl: 'x'.repeat(2049), code: 'x' })).toBe(false);
    expect(isJoinLink('ws://a:1/ws')).toBe(false);
    expect(isJoinLink(null)).toBe(false);
  });
});
