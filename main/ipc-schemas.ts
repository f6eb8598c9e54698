/**
 * Runtime validation of every IPC call's arguments, one zod tuple per contract channel. The `satisfies`
 * clause ties each schema's output to the contract's argument tuple, so neither can change alone.
 */
import { z } from 'zod';
import { MAX_DIAGNOSTICS_JSON_LENGTH, settingsSchema } from '../contract/bridge';
import { type InvokeChannel, type InvokeRequests, IpcChannel } from '../contract/ipc';

const noArguments = z.tuple([]);

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
} satisfies { [C in InvokeChannel]: z.ZodType<InvokeRequests[C]> };
