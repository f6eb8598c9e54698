import { describe, expect, it } from 'vitest';
import type { JoinLink } from '../../contract/bridge';
import { JoinLinkInbox } from '../../main/join-link-inbox';

const linkA: JoinLink = { relayUrl: 'ws://10.0.0.2:8787/ws', invite: 'k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX' };
const linkB: JoinLink = { relayUrl: 'ws://10.0.0.3:8787/ws', invite: 'ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ' };

describe('JoinLinkInbox', () => {
  it('holds a link that arrives before the page listens, and hands it over once', () => {
    const pushed: JoinLink[] = [];
    const inbox = new JoinLinkInbox((link) => {
      pushed.push(link);
      return true;
    });
    inbox.arrive(linkA);
    expect(pushed).toEqual([]);
    expect(inbox.take()).toEqual([linkA]);
    expect(inbox.take()).toEqual([]);
  });
  it('keeps only the newest pending link', () => {
    const inbox = new JoinLinkInbox(() => true);
    inbox.arrive(linkA);
    inbox.arrive(linkB);
    expect(inbox.take()).toEqual([linkB]);
  });
  it('pushes directly once the page listens, and holds again after a new page load', () => {
    const pushed: JoinLink[] = [];
    const inbox = new JoinLinkInbox((link) => {
      pushed.push(link);
      return true;
    });
    inbox.take();
    inbox.arrive(linkA);
    expect(pushed).toEqual([linkA]);
    inbox.pageLoading();
    inbox.arrive(linkB);
    expect(pushed).toEqual([linkA]);
    expect(inbox.take()).toEqual([linkB]);
  });
  it('holds the link when there is no window to push to', () => {
    const inbox = new JoinLinkInbox(() => false);
    inbox.take();
    inbox.arrive(linkA);
    expect(inbox.take()).toEqual([linkA]);
  });
});
