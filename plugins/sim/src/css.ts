// The css bus's driver choice, as Linux 6.1 makes it for subchannels (drivers/s390/cio/css.c)
// and as the s390 article and `driverctl -b css set-override SCH vfio_ccw` drive it:
// `driver_override` names the one driver a subchannel may bind to ("(null)" when unset; a write
// of an empty line clears it); `drivers/D/bind` of a subchannel whose override names another
// driver is refused with ENODEV; `bus/css/drivers_probe` binds an unbound subchannel to the
// override's driver, else to io_subchannel (its default driver). The override is the file's
// content, so a plain `echo vfio_ccw > driver_override` is the whole store; sync() tidies it.

import { basename, join } from 'node:path';
import { isDirectory, readText } from './fsops.js';
import type { SimErrnoCode } from './errno.js';
import type { SimHost } from './host.js';
import type { ParentProfile } from './profiles.js';
import { bindDevice } from './parents.js';

export const CSS_BUS = 'bus/css';
/** The driver an I/O subchannel binds to without an override. */
const DEFAULT_DRIVER = `${CSS_BUS}/drivers/io_subchannel`;
const UNSET = '(null)';

/** The css subchannels of the host (present now). */
export function subchannels(host: SimHost): ParentProfile[] {
  return host.manifest.parents.filter((p) => p.subsystem === CSS_BUS && isDirectory(host.parentDir(p)));
}

/** The subchannel whose device dir is `dir`, if any. */
export function subchannelAt(host: SimHost, dir: string): ParentProfile | undefined {
  return subchannels(host).find((p) => host.parentDir(p) === dir);
}

/** The driver name the subchannel's override names, or undefined when none is set. */
export function driverOverride(host: SimHost, p: ParentProfile): string | undefined {
  let text: string;
  try {
    text = readText(join(host.parentDir(p), 'driver_override'));
  } catch {
    return undefined;
  }
  const name = text.replace(/\n$/, '');
  return name === '' || name === UNSET ? undefined : name;
}

/** The kernel's show function: "(null)\n" or "<name>\n". */
function overrideText(name: string | undefined): string {
  return `${name ?? UNSET}\n`;
}

/** driver_override_store: one line, the newline dropped; empty clears. */
export function storeDriverOverride(host: SimHost, p: ParentProfile, data: string, write: (text: string) => void): SimErrnoCode | undefined {
  const name = data.replace(/\n$/, '');
  if (name.includes('\n') || name.length >= 4096) return 'EINVAL';
  write(overrideText(name === '' ? undefined : name));
  return undefined;
}

/** css_bus_match: with an override set, only that driver matches. */
export function matchesOverride(host: SimHost, p: ParentProfile, driverDir: string): boolean {
  const override = driverOverride(host, p);
  return override === undefined || override === basename(driverDir);
}

/** `echo SCH > /sys/bus/css/drivers_probe`: an unbound subchannel binds to the driver that matches. */
export function probeSubchannel(host: SimHost, data: string): SimErrnoCode | undefined {
  const name = data.replace(/\n$/, '');
  const p = subchannels(host).find((x) => x.name === name);
  if (p === undefined) return 'ENODEV';
  if (host.boundDriver(p) !== undefined) return undefined;
  const override = driverOverride(host, p);
  const driverDir = override !== undefined ? `${CSS_BUS}/drivers/${override}` : DEFAULT_DRIVER;
  // no such driver loaded: the subchannel stays unbound, and the write still succeeds
  if (isDirectory(host.sysPath(driverDir))) bindDevice(host, p, driverDir);
  return undefined;
}

/** The css files a foreign program may have written, in the order sync() applies them. */
export function cssPendingFiles(host: SimHost): string[] {
  const drivers = [...new Set(subchannels(host).flatMap((p) => [p.boundTo, p.registersWith, DEFAULT_DRIVER]))]
    .filter((d): d is string => d !== undefined && isDirectory(host.sysPath(d)))
    .map((d) => host.sysPath(d));
  return [
    ...drivers.map((d) => join(d, 'unbind')),
    ...drivers.map((d) => join(d, 'bind')),
    host.sysPath(join(CSS_BUS, 'drivers_probe')),
  ];
}

/** sync(): each override file rewritten as the kernel shows it (`echo -n vfio_ccw` has no newline). */
export function tidyOverrides(host: SimHost, write: (path: string, text: string) => void): void {
  for (const p of subchannels(host)) {
    const file = join(host.parentDir(p), 'driver_override');
    let text: string;
    try {
      text = readText(file);
    } catch {
      continue;
    }
    const shown = overrideText(driverOverride(host, p));
    if (text !== shown) write(file, shown);
  }
}
