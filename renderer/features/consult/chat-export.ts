/**
 * The clinician's chat export: the transcript (engine/chat.ts formatTranscript) as a plain-text download, named so
 * it is never mistaken for a diagnostics report sent to IT. A browser saves it where the person's downloads go (or
 * asks); the desktop app's Electron asks where with its save dialog (it has no download handler of its own).
 */

/** A file name that sorts by time and says nothing about who was in the call. */
export function chatTranscriptFileName(at: Date): string {
  return `clinic-consult-chat-${at.toISOString().replace(/[:.]/g, '-')}.txt`;
}

export function downloadTranscript(text: string, at: Date, doc: Document = document): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  const link = doc.createElement('a');
  link.href = url;
  link.download = chatTranscriptFileName(at);
  link.hidden = true;
  doc.body.append(link);
  link.click();
  link.remove();
  // Revoking at once can cancel the download in some browsers; a minute later it has been read.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
