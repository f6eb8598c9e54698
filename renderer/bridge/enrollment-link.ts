/**
 * Browser mode: the relay's CLI and `npm start` print a link to the web app with IT's one-time enrollment code
 * (`/?enroll=XXXX-…`). The page takes the code once and drops it from its address, so that a reload, a
 * bookmark or a shared screenshot does not carry a secret that was already spent.
 */
export function takeEnrollmentCode(win: Window = window): string | null {
  const url = new URL(win.location.href);
  const code = url.searchParams.get('enroll')?.trim() ?? '';
  if (!url.searchParams.has('enroll')) return null;
  url.searchParams.delete('enroll');
  win.history.replaceState(win.history.state, '', url);
  return code === '' ? null : code;
}
