import { type ReactNode, useEffect, useRef } from 'react';
import type { ConsultEngine, EngineSnapshot } from '../../engine/engine';
import { ariaShortcut, type CallShortcut, isMac, isTextEntry, shortcutOf, shortcutText } from './controls';

interface Props {
  engine: ConsultEngine;
  snapshot: EngineSnapshot;
  devicesOpen: boolean;
  onToggleDevices(): void;
  devicesId: string;
  /** Null when this host has no connection details to show. */
  detailsOpen: boolean | null;
  onToggleDetails(): void;
  detailsId: string;
  /** The chat's toggle (ChatPanel.tsx `ChatToggle`), after screen share. */
  chat?: ReactNode;
  /** The screen share toggle (share-controls.tsx `ShareToggle`), before the chat's. */
  share?: ReactNode;
}

/** Shortcuts and their tooltips use ⌘ on a Mac, Ctrl elsewhere. */
export const MAC = typeof navigator !== 'undefined' && isMac(navigator.platform || navigator.userAgent);

/**
 * The call's one row of controls, for either role: it never wraps (labels give way to icons alone on a narrow
 * screen, names stay for assistive technology), and holds only controls that work. Order: what people reach for
 * most on the left, hang up last.
 */
export function ControlBar({
  engine,
  snapshot,
  devicesOpen,
  onToggleDevices,
  devicesId,
  detailsOpen,
  onToggleDetails,
  detailsId,
  chat,
  share,
}: Props) {
  const muted = !snapshot.micEnabled;
  const cameraOff = !snapshot.cameraEnabled || snapshot.devices.audioOnly;
  const noCamera = snapshot.devices.audioOnly;
  useCallShortcuts({
    mic: () => engine.setMicEnabled(muted),
    camera: () => {
      if (!noCamera) void engine.setCameraEnabled(cameraOff);
    },
  });
  return (
    <div className="control-bar" data-testid="control-bar">
      <ControlButton
        testId="toggle-mic"
        label="Mute"
        pressed={muted}
        shortcut="mic"
        hint={muted ? 'Unmute' : 'Mute'}
        icon={muted ? <MicOffIcon /> : <MicIcon />}
        onClick={() => engine.setMicEnabled(muted)}
      />
      <ControlButton
        testId="toggle-camera"
        label="Camera off"
        pressed={cameraOff}
        shortcut="camera"
        hint={noCamera ? 'No camera: this call is audio only' : cameraOff ? 'Turn camera on' : 'Turn camera off'}
        disabled={noCamera}
        icon={cameraOff ? <CameraOffIcon /> : <CameraIcon />}
        onClick={() => void engine.setCameraEnabled(cameraOff)}
      />
      {/*
       * Screen share and chat (issue 11, items 3 and 2) go here, between the camera and the devices, as
       * ControlButtons: render them only once they work, never as dead buttons.
       */}
      {share}
      {chat}
      <ControlButton
        label="Devices"
        expanded={devicesOpen}
        controls={devicesOpen ? devicesId : undefined}
        hint="Camera, microphone and speaker"
        icon={<DevicesIcon />}
        onClick={onToggleDevices}
      />
      {detailsOpen !== null && (
        <ControlButton
          testId="diagnostics-toggle"
          label="Details"
          name={detailsOpen ? 'Hide connection details' : 'Connection details'}
          expanded={detailsOpen}
          controls={detailsOpen ? detailsId : undefined}
          hint="Connection details"
          icon={<DetailsIcon />}
          onClick={onToggleDetails}
        />
      )}
      <ControlButton testId="hang-up" label="Hang up" danger icon={<HangUpIcon />} onClick={() => engine.hangUp()} />
    </div>
  );
}

interface ButtonProps {
  /** Visible text (hidden on narrow screens, still the accessible name unless `name` says otherwise). */
  label: string;
  /** Accessible name when it says more than the visible label (which it must contain). */
  name?: string;
  icon: ReactNode;
  onClick(): void;
  testId?: string;
  /** Toggle buttons: pressed = the thing the label says is on (muted, camera off). */
  pressed?: boolean;
  expanded?: boolean;
  controls?: string | undefined;
  shortcut?: CallShortcut;
  /** Tooltip text; the shortcut is added to it. */
  hint?: string;
  danger?: boolean;
  disabled?: boolean;
  /** A count on the button's corner (chat's unread messages); the accessible name must say it too. */
  badge?: ReactNode;
}

/** One control of the bar; chat and screen share use it too. */
export function ControlButton({
  label,
  name,
  icon,
  onClick,
  testId,
  pressed,
  expanded,
  controls,
  shortcut,
  hint,
  danger,
  disabled,
  badge,
}: ButtonProps) {
  const title = `${hint ?? name ?? label}${shortcut ? ` (${shortcutText(shortcut, MAC)})` : ''}`;
  return (
    <button
      type="button"
      className={`control${danger ? ' control--danger' : ''}`}
      data-testid={testId}
      aria-label={name}
      aria-pressed={pressed}
      aria-expanded={expanded}
      aria-controls={controls}
      aria-keyshortcuts={shortcut ? ariaShortcut(shortcut, MAC) : undefined}
      title={title}
      disabled={disabled}
      onClick={onClick}
    >
      {icon}
      <span className="control__label">{label}</span>
      {badge}
    </button>
  );
}

/** Ctrl/⌘+D and Ctrl/⌘+E while the call is on screen, unless focus is where people type. */
function useCallShortcuts(actions: Record<CallShortcut, () => void>): void {
  const current = useRef(actions);
  current.current = actions; // the latest state's actions, without listening again on every render
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || isTextEntry(event.target)) return;
      const shortcut = shortcutOf(event, MAC);
      if (!shortcut) return;
      event.preventDefault(); // the browser's own Ctrl+D (bookmark) and Ctrl+E (search)
      current.current[shortcut]();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

function Icon({ children }: { children: ReactNode }) {
  return (
    <svg className="control__icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      {children}
    </svg>
  );
}

const MicIcon = () => (
  <Icon>
    <rect x="9" y="3" width="6" height="11" rx="3" />
    <path d="M5 11a7 7 0 0 0 14 0M12 18v3" />
  </Icon>
);
const MicOffIcon = () => (
  <Icon>
    <rect x="9" y="3" width="6" height="11" rx="3" />
    <path d="M5 11a7 7 0 0 0 14 0M12 18v3M3 3l18 18" />
  </Icon>
);
const CameraIcon = () => (
  <Icon>
    <rect x="2" y="7" width="14" height="10" rx="2" />
    <path d="M16 11l6-3v8l-6-3z" />
  </Icon>
);
const CameraOffIcon = () => (
  <Icon>
    <rect x="2" y="7" width="14" height="10" rx="2" />
    <path d="M16 11l6-3v8l-6-3zM3 3l18 18" />
  </Icon>
);
const DevicesIcon = () => (
  <Icon>
    <path d="M4 6h16M4 12h16M4 18h16" />
    <circle cx="8" cy="6" r="2" />
    <circle cx="16" cy="12" r="2" />
    <circle cx="10" cy="18" r="2" />
  </Icon>
);
const DetailsIcon = () => (
  <Icon>
    <path d="M5 20v-6M12 20V8M19 20V4" />
  </Icon>
);
const HangUpIcon = () => (
  <Icon>
    <path d="M3 14.5c5-4.7 13-4.7 18 0l-1.8 2.6-3.7-1.2v-2.6a9 9 0 0 0-7 0v2.6l-3.7 1.2z" />
  </Icon>
);
