import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { diagnosticsFileName } from '../../contract/bridge';
import { checkDiagnosticsJson, diagnosticsTarget, writeDiagnosticsFile } from '../../main/diagnostics-file';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clinic-diag-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('checkDiagnosticsJson', () => {
  it('accepts a JSON object only', () => {
    expect(() => checkDiagnosticsJson('{"version":1}')).not.toThrow();
    for (const text of ['', '{', '[]', '42', 'null', '"x"']) {
      expect(() => checkDiagnosticsJson(text), text).toThrow(expect.objectContaining({ code: 'DIAGNOSTICS_NOT_JSON' }));
    }
  });
});

describe('diagnosticsTarget', () => {
  it('adds .json when no extension was typed, keeps one that was', () => {
    expect(diagnosticsTarget('/home/a/report')).toBe('/home/a/report.json');
    expect(diagnosticsTarget('/home/a/report.json')).toBe('/home/a/report.json');
    expect(diagnosticsTarget('/home/a/report.txt')).toBe('/home/a/report.txt');
  });
  it('refuses a relative path', () => {
    expect(() => diagnosticsTarget('report.json')).toThrow(expect.objectContaining({ code: 'DIAGNOSTICS_BAD_PATH' }));
  });
});

describe('writeDiagnosticsFile', () => {
  it('writes the report with a final newline and returns the path', async () => {
    const path = await writeDiagnosticsFile(join(dir, 'r'), '{"a":1}');
    expect(path).toBe(join(dir, 'r.json'));
    expect(await readFile(path, 'utf8')).toBe('{"a":1}\n');
  });
  it('writes nothing for text that is not a report', async () => {
    await expect(writeDiagnosticsFile(join(dir, 'r.json'), 'rm -rf /')).rejects.toThrow(/^\[DIAGNOSTICS_NOT_JSON\]/);
    await expect(readFile(join(dir, 'r.json'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('diagnosticsFileName', () => {
  it('names the file by time only, safe on every file system', () => {
    expect(diagnosticsFileName(new Date('2026-03-01T10:00:00.000Z'))).toBe('clinic-consult-diagnostics-2026-03-01T10-00-00-000Z.json');
  });
});
