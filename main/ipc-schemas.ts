/**
 * Runtime validation of every IPC call's arguments, one zod tuple per contract channel. The `satisfies`
 * clause ties each schema's output to the contract's argument tuple, so neither can change alone.
 */
import { z } from 'zod';
import {
  MAX_BADGE_COUNT,
  MAX_DIAGNOSTICS_JSON_LENGTH,
  MAX_NOTICE_BODY_LENGTH,
  MAX_NOTICE_TITLE_LENGTH,
  settingsSchema,
} from '../contract/bridge';
import { type InvokeChannel, type InvokeRequests, IpcChannel } from '../contract/ipc';

const noArguments = z.tuple([]);
/** desktopCapturer's source ids (display-media.ts). */
const SCREEN_SOURCE_ID = /^(screen|window):[\w:-]{1,64}$/;

export const invokeRequestSchemas = {
  [IpcChannel.getAppInfo]: noArguments,
  [IpcChannel.getDefaultRelayUrl]: noArguments,
  [IpcChannel.discoverRelays]: noArguments,
  [IpcChannel.loadSettings]: noArguments,
  [IpcChannel.saveSettings]: z.tuple([settingsSchema]),
  [IpcChannel.getMediaAccess]: noArguments,
  [IpcChannel.requestMediaAccess]: noArguments,
  [IpcChannel.openExternal]: z.tuple([z.string().max(2048)]),
  [IpcChannel.takePendingJoinLinks]: noArguments,
  [IpcChannel.hostedRelayStart]: z.tuple([z.number().int().min(0).max(65535)]),
  [IpcChannel.hostedRelayStop]: noArguments,
  [IpcChannel.hostedRelayStatus]: noArguments,
  [IpcChannel.hostedRelayHostEnrollment]: noArguments,
  [IpcChannel.saveDiagnostics]: z.tuple([z.string().min(2).max(MAX_DIAGNOSTICS_JSON_LENGTH)]),
  [IpcChannel.pendingRelayTrust]: noArguments,
  // Ids are main's own UUIDs; anything else cannot be one of main's requests.
  [IpcChannel.answerRelayTrust]: z.tuple([z.uuid(), z.boolean()]),
  [IpcChannel.updateStatus]: noArguments,
  [IpcChannel.updateInCall]: z.tuple([z.boolean()]),
  [IpcChannel.updateRestart]: noArguments,
  [IpcChannel.arrivalsPermission]: noArguments,
  // Strict: a notice carries its two texts and nothing else (no icon path, no action for main to run).
  [IpcChannel.arrivalsNotify]: z.tuple([
    z.strictObject({ title: z.string().min(1).max(MAX_NOTICE_TITLE_LENGTH), body: z.string().max(MAX_NOTICE_BODY_LENGTH) }),
  ]),
  [IpcChannel.arrivalsBadge]: z.tuple([z.number().int().min(0).max(MAX_BADGE_COUNT)]),
  [IpcChannel.pendingScreenPicks]: noArguments,
  // Ids are main's own UUIDs; a source id is desktopCapturer's (main also checks it is one it offered).
  [IpcChannel.answerScreenPick]: z.tuple([z.uuid(), z.string().regex(SCREEN_SOURCE_ID).nullable()]),
} satisfies { [C in InvokeChannel]: z.ZodType<InvokeRequests[C]> };
