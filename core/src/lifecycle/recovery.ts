// Crash recovery: run by every mutating command once it holds the definitions lock, before its
// own work. An intent record left there (intent.ts) means the command that wrote it died between
// the start of its primary action and the end of its attributes; that change is taken back, so
// the host is as it was before the dead command, and one warning line says what was done:
//   define   -> its definition is removed (when it was written)
//   modify   -> the previous definition is put back (a live change to a running device stays)
//   undefine -> the definition is put back
//   start    -> the half-started device is stopped (it may lack attributes)
//   stop     -> nothing to undo: the device is stopped or still running, as reported
// Temp files the dead command left next to the definition are removed too.

import type { MdevDevice } from '@mdevctl/plugin-sdk';
import type { Host } from '../host/host.js';
import { formatConfig } from '../model/device-config.js';
import { messageOf } from '../model/errors.js';
import type { Intent, IntentLog } from './intent.js';

/** Takes back what a dead command left half-done, if anything; reports it in one warning line. */
export async function recoverInterrupted(host: Host, intents: IntentLog): Promise<void> {
  const pending = intents.pending();
  if (pending === undefined) return;
  if ('problem' in pending) {
    host.log.warn(pending.problem);
    intents.discard();
    return;
  }
  const { intent } = pending;
  const what = `an interrupted '${describeAction(intent)}' of ${intent.device.uuid} on ${intent.device.parent} (pid ${intent.pid})`;
  let outcome: string;
  try {
    outcome = await undo(host, intent);
    host.store.removeTemps(intent.device.parent, intent.device.uuid);
  } catch (err) {
    outcome = `could not take it back: ${messageOf(err)}`;
  }
  host.log.warn(`Recovered from ${what}: ${outcome}`);
  intents.end();
}

function describeAction(intent: Intent): string {
  if (intent.action !== 'modify' || !intent.live) return intent.action;
  return intent.defined ? 'modify --live --defined' : 'modify --live';
}

async function undo(host: Host, intent: Intent): Promise<string> {
  const { store, sysfs } = host;
  const device = intent.device;
  switch (intent.action) {
    case 'define': {
      const current = store.read(device.parent, device.uuid);
      if (current === undefined || !sameConfig(current, device)) return 'its definition had not been written';
      store.remove(device.parent, device.uuid);
      return 'removed the definition it had written';
    }
    case 'modify': {
      const liveNote = intent.live ? '; the running device may have been changed already' : '';
      if (intent.live && !intent.defined) return `nothing stored to take back${liveNote}`;
      if (intent.previous === undefined) return `no previous definition to put back${liveNote}`;
      const current = store.read(device.parent, device.uuid);
      if (current !== undefined && sameConfig(current, intent.previous)) return `the definition was unchanged${liveNote}`;
      store.write(intent.previous);
      return `put the previous definition back${liveNote}`;
    }
    case 'undefine': {
      const previous = intent.previous ?? device;
      if (store.exists(device.parent, device.uuid)) return 'the definition had not been removed';
      store.write(previous);
      return 'put the definition back';
    }
    case 'start': {
      const active = sysfs.activeDevice(device.uuid);
      if (!active || active.parent !== device.parent) return 'the device had not been created';
      (await host.changes({ uuid: device.uuid })).remove(device.uuid);
      return 'stopped the half-started device';
    }
    case 'stop':
      return sysfs.activeDevice(device.uuid) ? 'the device is still running' : 'the device was stopped';
  }
}

function sameConfig(a: MdevDevice, b: MdevDevice): boolean {
  return formatConfig(a) === formatConfig(b);
}
