/**
 * Registers one `ipcMain.handle` per contract channel. Before any handler runs, every call is checked in
 * order: the sender frame must be the app's own top-level document, then the arguments must match the
 * channel's schema. Refusals reject the renderer's promise with `[CODE] message`.
 */
import { z } from 'zod';
import { INVOKE_CHANNELS, type InvokeHandlers, IpcErrorCode } from '../contract/ipc';
import { invokeRequestSchemas } from './ipc-schemas';
import { isTrustedSender, type SenderFrameInfo } from './ipc-sender';

/** The part of `event.senderFrame` that is read (Electron's WebFrameMain has both). */
export interface SenderFrameLike {
  readonly url: string;
  readonly parent: unknown;
}
export interface InvokeEventLike {
  readonly senderFrame: SenderFrameLike | null;
}
/** The part of Electron's `ipcMain` that is used; a fake stands in for it in tests. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

export class IpcRefusal extends Error {
  constructor(
    readonly code: IpcErrorCode,
    detail: string,
  ) {
    super(`[${code}] ${detail}`);
    this.name = 'IpcRefusal';
  }
}

export function senderFrameInfo(frame: SenderFrameLike | null): SenderFrameInfo | null {
  if (!frame) return null;
  try {
    return { url: frame.url, isMainFrame: frame.parent === null };
  } catch {
    return null; // a destroyed frame throws on access: treat it as gone
  }
}

/** Returns a function that removes every handler again (used on shutdown and by tests). */
export function registerInvokeHandlers(ipcMain: IpcMainLike, handlers: InvokeHandlers): () => void {
  for (const channel of INVOKE_CHANNELS) {
    const schema: z.ZodType<unknown[]> = invokeRequestSchemas[channel];
    // One cast, here only: the schema for `channel` produces exactly the arguments of `handlers[channel]`.
    const handler = handlers[channel] as (...args: unknown[]) => unknown;
    ipcMain.handle(channel, async (event, ...args) => {
      if (!isTrustedSender(senderFrameInfo(event.senderFrame))) {
        throw new IpcRefusal(IpcErrorCode.UNTRUSTED_SENDER, `${channel} refused: the caller is not the app's own page`);
      }
      const parsed = schema.safeParse(args);
      if (!parsed.success) {
        throw new IpcRefusal(IpcErrorCode.BAD_ARGUMENTS, `${channel} refused: ${z.prettifyError(parsed.error)}`);
      }
      return handler(...parsed.data);
    });
  }
  return () => {
    for (const channel of INVOKE_CHANNELS) ipcMain.removeHandler(channel);
  };
}
