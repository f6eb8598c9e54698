import { useEffect, useRef, useState } from 'react';
import type { ScreenPickRequest, ScreenSource } from '../../../contract/bridge';
import { useHost } from '../../bridge/bridge-context';

/**
 * Desktop only: the app's own picker of screens and windows. The page's getDisplayMedia waits while main asks here
 * (main/display-media.ts); the choice goes back to main, which grants exactly that source. Cancel (or Escape)
 * grants nothing. A browser never gets here: it shows its own picker.
 */
export function ScreenPicker() {
  const { bridge } = useHost();
  const screenShare = bridge.screenShare;
  const [request, setRequest] = useState<ScreenPickRequest | null>(null);
  const answered = useRef(new Set<string>());
  useEffect(() => {
    if (!screenShare) return;
    return screenShare.onPickRequest((next) => {
      if (!answered.current.has(next.id)) setRequest(next); // a newer request replaces an older one in main too
    });
  }, [screenShare]);
  if (!screenShare || !request) return null;
  const answer = (sourceId: string | null): void => {
    answered.current.add(request.id);
    setRequest(null);
    screenShare.answerPick(request.id, sourceId).catch(() => {}); // main no longer waiting: its request was cancelled
  };
  return <PickerDialog key={request.id} request={request} onAnswer={answer} />;
}

function PickerDialog({ request, onAnswer }: { request: ScreenPickRequest; onAnswer(id: string | null): void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const firstSource = useRef<HTMLButtonElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    (firstSource.current ?? cancel.current)?.focus();
    return () => element?.close();
  }, []);
  const screens = request.sources.filter((source) => source.kind === 'screen');
  const windows = request.sources.filter((source) => source.kind === 'window');
  const first = request.sources[0]?.id;
  const group = (title: string, sources: ScreenSource[]) =>
    sources.length > 0 && (
      <fieldset className="screen-picker__group">
        <legend>{title}</legend>
        <ul className="screen-picker__list">
          {sources.map((source) => (
            <li key={source.id}>
              <button
                ref={source.id === first ? firstSource : undefined}
                type="button"
                className="screen-picker__source"
                data-testid="screen-source"
                data-source-id={source.id}
                aria-pressed={chosen === source.id}
                onClick={() => setChosen(source.id)}
                onDoubleClick={() => onAnswer(source.id)}
              >
                {source.thumbnail ? (
                  <img className="screen-picker__thumbnail" src={source.thumbnail} alt="" />
                ) : (
                  <span className="screen-picker__thumbnail screen-picker__thumbnail--none" aria-hidden="true" />
                )}
                <span className="screen-picker__name">{source.name}</span>
              </button>
            </li>
          ))}
        </ul>
      </fieldset>
    );
  return (
    <dialog
      ref={dialog}
      className="screen-picker"
      aria-labelledby="screen-picker-title"
      data-testid="screen-picker"
      onCancel={(event) => {
        event.preventDefault(); // Escape is Cancel, answered like the button
        onAnswer(null);
      }}
    >
      <h2 id="screen-picker-title">Share your screen</h2>
      {request.blocked ? (
        <p className="notice notice--error" data-testid="screen-picker-blocked">
          {request.blocked}
        </p>
      ) : request.sources.length === 0 ? (
        <p>There is no screen or window to share.</p>
      ) : (
        <>
          <p>Choose what the other person sees. They see it until you stop sharing.</p>
          {group('Screens', screens)}
          {group('Windows', windows)}
        </>
      )}
      <div className="screen-picker__actions">
        <button ref={cancel} type="button" className="button" data-testid="screen-picker-cancel" onClick={() => onAnswer(null)}>
          Cancel
        </button>
        {!request.blocked && (
          <button
            type="button"
            className="button button--primary"
            data-testid="screen-picker-share"
            disabled={chosen === null}
            onClick={() => onAnswer(chosen)}
          >
            Share
          </button>
        )}
      </div>
    </dialog>
  );
}
