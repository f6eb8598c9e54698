/**
 * Holds a join link until the page can take it. A link can arrive before the window exists or while the
 * page is still loading; the preload asks for pending links when the renderer subscribes, and from then on
 * links are pushed. Only the newest pending link is kept: a second link supersedes the first.
 */
import type { JoinLink } from '../contract/bridge';

export class JoinLinkInbox {
  private pending: JoinLink | null = null;
  private listening = false;

  /** `push` returns false when there is no page to send to. */
  constructor(private readonly push: (link: JoinLink) => boolean) {}

  arrive(link: JoinLink): void {
    if (this.listening && this.push(link)) return;
    this.pending = link;
  }

  /** Called by the renderer (through the preload) once it listens. */
  take(): JoinLink[] {
    this.listening = true;
    const links = this.pending ? [this.pending] : [];
    this.pending = null;
    return links;
  }

  /** A new page load has nobody listening until it subscribes again. */
  pageLoading(): void {
    this.listening = false;
  }
}
