/** One line of the pre-call summary: what was checked, how it went, and what the person should know. */
export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckLine {
  id: 'camera' | 'microphone' | 'speaker' | 'relay' | 'ice';
  label: string;
  status: CheckStatus;
  detail: string;
}
