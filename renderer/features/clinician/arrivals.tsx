/**
 * Arrivals are never missed: the clinician's chime, OS notification and badge. `useArrivalAlerts` runs for the
 * whole clinician screen (whatever panel is open or folded) and carries out arrivals-policy.ts's decisions;
 * `ArrivalSettingsPanel` holds the clinician's choices, saved with the other settings.
 */
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { type ArrivalSettings, DEFAULT_ARRIVAL_SETTINGS, type NotificationPermissionState } from '../../../contract/bridge';
import { useHost } from '../../bridge/bridge-context';
import type { EngineSnapshot } from '../../engine/engine';
import { ArrivalChime } from './arrivals-chime';
import { createSeenStore } from './arrivals-memory';
import { badgeTitle, decideArrivals, waitingCount } from './arrivals-policy';

export interface ArrivalAlerts {
  settings: ArrivalSettings;
  /** Saves a change; turning notifications on first asks the host for permission (a browser prompt). */
  change(next: Partial<ArrivalSettings>): Promise<void>;
  permission: NotificationPermissionState;
  /** Why notifications cannot be shown, for the clinician to read; null when they can (or are off). */
  problem: string | null;
  /** Patients waiting to be admitted (the badge's number). */
  waiting: number;
}

/** The app is in front and has the keyboard: the clinician sees the waiting list. */
function inFront(): boolean {
  return document.visibilityState === 'visible' && document.hasFocus();
}

function sessionStorageOrNull(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage blocked: every page load starts afresh
  }
}

export function useArrivalAlerts(snapshot: EngineSnapshot): ArrivalAlerts {
  const services = useHost();
  const { bridge } = services;
  const [settings, setSettings] = useState<ArrivalSettings>(services.settings.arrivals ?? DEFAULT_ARRIVAL_SETTINGS);
  const [permission, setPermission] = useState<NotificationPermissionState>('default');
  const [refused, setRefused] = useState<string | null>(null);
  // Read by the decision effect, which must run for each new list only (not when a setting changes).
  const current = useRef({ settings, permission });
  current.current = { settings, permission };
  const memory = useRef<{ consultationId: string | null; seen: ReadonlySet<string> | null }>({ consultationId: null, seen: null });
  const seenStore = useRef(createSeenStore(sessionStorageOrNull()));
  const chime = useRef<ArrivalChime | null>(null);

  useEffect(() => {
    let live = true;
    const read = bridge.arrivals?.permission() ?? Promise.resolve<NotificationPermissionState>('unsupported');
    read.then(
      (state) => live && setPermission(state),
      () => live && setPermission('unsupported'),
    );
    return () => {
      live = false;
    };
  }, [bridge]);

  useEffect(
    () => () => {
      chime.current?.close();
      chime.current = null;
    },
    [],
  );

  const consultationId = snapshot.consultation?.id ?? null;
  useEffect(() => {
    if (consultationId === null) {
      memory.current = { consultationId: null, seen: null };
      return;
    }
    if (memory.current.consultationId !== consultationId) {
      memory.current = { consultationId, seen: seenStore.current.load(consultationId) };
    }
    const decision = decideArrivals({
      seen: memory.current.seen,
      patients: snapshot.waitingRoom,
      focused: inFront(),
      settings: current.current.settings,
      canNotify: current.current.permission === 'granted',
    });
    if (decision.seen !== memory.current.seen) {
      memory.current.seen = decision.seen;
      seenStore.current.save(consultationId, decision.seen);
    }
    if (decision.chime) {
      chime.current ??= new ArrivalChime();
      void chime.current.play();
    }
    if (decision.notice) void bridge.arrivals?.notify(decision.notice).catch(() => false);
  }, [bridge, consultationId, snapshot.waitingRoom]);

  // The badge: the page's title (the window's and the taskbar's in the desktop app) and the app icon's.
  const waiting = consultationId === null ? 0 : waitingCount(snapshot.waitingRoom);
  const plainTitle = useRef<string | null>(null);
  useEffect(() => {
    plainTitle.current ??= document.title;
    document.title = badgeTitle(plainTitle.current, waiting);
    void bridge.arrivals?.setBadge(waiting).catch(() => undefined);
  }, [bridge, waiting]);
  useEffect(
    () => () => {
      if (plainTitle.current !== null) document.title = plainTitle.current;
      void bridge.arrivals?.setBadge(0).catch(() => undefined);
    },
    [bridge],
  );

  const change = useCallback(
    async (next: Partial<ArrivalSettings>) => {
      const merged = { ...current.current.settings, ...next };
      if (next.notifications && !current.current.settings.notifications) {
        // The browser's prompt comes here, when the clinician asks for notifications, and never before.
        const state = (await bridge.arrivals?.requestPermission().catch(() => 'unsupported' as const)) ?? 'unsupported';
        setPermission(state);
        if (state !== 'granted') {
          setRefused(
            state === 'unsupported'
              ? 'This browser cannot show notifications.'
              : 'Notifications are blocked for this page. Allow them in the browser’s site settings, then turn this on again.',
          );
          return;
        }
      }
      setRefused(null);
      setSettings(merged);
      await services.saveSettings({ ...services.settings, arrivals: merged });
    },
    [bridge, services],
  );

  const problem =
    refused ??
    (settings.notifications && permission !== 'granted' && permission !== 'default'
      ? 'Notifications are turned on here but blocked by the system or the browser.'
      : null);
  return { settings, change, permission, problem, waiting };
}

/** The clinician's choices: sound, notifications, and whether notifications may name patients. */
export function ArrivalSettingsPanel({ alerts }: { alerts: ArrivalAlerts }) {
  const { settings, change, problem } = alerts;
  const namesHintId = useId();
  const [saving, setSaving] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);
  const toggle = (next: Partial<ArrivalSettings>) => {
    setSaving(true);
    setFailed(null);
    change(next)
      .catch((err: unknown) => setFailed(`Could not save: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => setSaving(false));
  };
  return (
    <fieldset className="arrival-settings" data-testid="arrival-settings" disabled={saving}>
      <legend>When a patient arrives</legend>
      <label>
        <input
          type="checkbox"
          data-testid="arrival-sound"
          checked={settings.sound}
          onChange={(event) => toggle({ sound: event.currentTarget.checked })}
        />{' '}
        Sound on arrival
      </label>
      <label>
        <input
          type="checkbox"
          data-testid="arrival-notifications"
          checked={settings.notifications}
          onChange={(event) => toggle({ notifications: event.currentTarget.checked })}
        />{' '}
        Notify me when Clinic Consult is in the background
      </label>
      <label>
        <input
          type="checkbox"
          data-testid="arrival-names"
          checked={settings.showNames}
          disabled={!settings.notifications}
          aria-describedby={namesHintId}
          onChange={(event) => toggle({ showNames: event.currentTarget.checked })}
        />{' '}
        Show patients’ names in notifications
      </label>
      <p id={namesHintId} className="arrival-settings__hint">
        Notifications can appear on a locked screen: without names they only say how many patients are waiting.
      </p>
      {(problem ?? failed) && (
        <p className="notice notice--error" role="alert" data-testid="arrival-problem">
          {problem ?? failed}
        </p>
      )}
    </fieldset>
  );
}
