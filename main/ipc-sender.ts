/**
 * Who may call the main process: only the app's own top-level document. A frame from anywhere else (a
 * navigated-away page, an injected iframe) is refused before its arguments are even read. Pure.
 */
import { isAppUrl } from './app-origin';

/** What the check needs from `event.senderFrame` (null once the frame is gone). */
export interface SenderFrameInfo {
  url: string;
  /** True when the frame has no parent. */
  isMainFrame: boolean;
}

export function isTrustedSender(frame: SenderFrameInfo | null | undefined): boolean {
  if (!frame) return false;
  return frame.isMainFrame && isAppUrl(frame.url);
}
