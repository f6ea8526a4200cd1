// What `list` and `types` show, before formatting: the entries of running or defined devices
// (store and sysfs), and with -x what core (`Claimed by`) and the plugins' listing taps add to
// each device and type. app.ts formats them (output/devices.ts, output/types.ts).

import { DEVICE_FIELDS, TYPE_FIELDS, claimsDevice, type MdevctlPlugin, type MdevDevice, type MdevTypeInfo, type QueryContext } from '@mdevctl/plugin-sdk';
import type { Host } from '../host/host.js';
import type { CoreHooks } from '../lifecycle/hooks.js';
import { messageOf } from '../model/errors.js';
import { compareBytes } from '../model/order.js';
import type { ListEntry } from './devices.js';
import { extraCollector, type ListingExtra } from './extras.js';
import type { TypeExtras } from './types.js';

export interface EntryOptions {
  readonly defined?: boolean | undefined;
  readonly uuid?: string | undefined;
  readonly parent?: string | undefined;
  readonly verbose?: boolean | undefined;
  readonly dumpjson?: boolean | undefined;
  readonly extended?: boolean | undefined;
}

export class Listing {
  constructor(
    private readonly host: Host,
    private readonly hooks: CoreHooks,
  ) {}

  /** The entries `list` shows for these options (with -x, extended by the listing taps). */
  async entries(opts: EntryOptions, plugins: readonly MdevctlPlugin[]): Promise<ListEntry[]> {
    const filter = { uuid: opts.uuid, parent: opts.parent };
    const entries = opts.defined ? this.definedEntries(filter) : await this.activeEntries(filter);
    return opts.extended ? this.extendEntries(entries, plugins, opts) : entries;
  }

  /** -x: each entry with core's `Claimed by` and what the listing.device taps add. */
  private async extendEntries(entries: ListEntry[], plugins: readonly MdevctlPlugin[], opts: EntryOptions): Promise<ListEntry[]> {
    const query: QueryContext = { purpose: 'list', host: this.host.view, log: this.host.log };
    const out: ListEntry[] = [];
    for (const entry of entries) {
      const d = entry.device;
      const { output, extra } = extraCollector(DEVICE_FIELDS, opts.dumpjson === true, claimers(plugins, d.parent, d.type));
      await this.hooks.listing.device.promise({ ...output, device: d, defined: opts.defined === true, verbose: opts.verbose === true }, query);
      out.push({ ...entry, extra });
    }
    return out;
  }

  /** -x: each type's `Claimed by` and what the listing.type taps add. */
  async typeExtras(types: readonly MdevTypeInfo[], plugins: readonly MdevctlPlugin[], opts: { readonly dumpjson?: boolean | undefined }): Promise<TypeExtras> {
    const query: QueryContext = { purpose: 'list', host: this.host.view, log: this.host.log };
    const extras = new Map<MdevTypeInfo, ListingExtra>();
    for (const t of types) {
      const { output, extra } = extraCollector(TYPE_FIELDS, opts.dumpjson === true, claimers(plugins, t.parent, t.type));
      await this.hooks.listing.type.promise({ ...output, type: t }, query);
      extras.set(t, extra);
    }
    return extras;
  }

  private definedEntries(filter: { uuid?: string | undefined; parent?: string | undefined }): ListEntry[] {
    const scan = this.host.store.scan(filter);
    for (const p of scan.problems) this.host.log.warn(p.message);
    // One look at sysfs for all definitions, not a (failing) realpath per definition.
    const running = new Map(this.host.sysfs.activeDevices({ uuid: filter.uuid }).map((d) => [d.uuid, d]));
    return scan.devices.map((def): ListEntry => {
      const active = running.get(def.uuid);
      const isActive = active !== undefined && active.parent === def.parent && active.type === def.type;
      // The definition is the device (no copy: 10k of them are kept until the output is made).
      return isActive ? { device: def, marker: '(active)' } : { device: def };
    });
  }

  private async activeEntries(filter: { uuid?: string | undefined; parent?: string | undefined }): Promise<ListEntry[]> {
    const out: ListEntry[] = [];
    const query: QueryContext = { purpose: 'list', host: this.host.view, log: this.host.log };
    const devices = this.host.sysfs
      .activeDevices(filter)
      .sort((a, b) => compareBytes(a.parent, b.parent) || compareBytes(a.uuid, b.uuid));
    for (const active of devices) {
      let start: MdevDevice['start'] = 'manual';
      let defined: boolean;
      try {
        const def = this.host.store.read(active.parent, active.uuid);
        start = def?.start ?? 'manual';
        defined = def !== undefined; // read once, not looked up again
      } catch (err) {
        this.host.log.warn(messageOf(err));
        defined = this.host.store.exists(active.parent, active.uuid);
      }
      const attrs = (await this.hooks.query.activeAttributes.promise(active, query)) ?? [];
      const device = { ...active, start, attrs };
      out.push(defined ? { device, marker: '(defined)' } : { device });
    }
    return out;
  }
}

/** The names of the plugins whose claims cover the device (plugins without claims claim nothing). */
function claimers(plugins: readonly MdevctlPlugin[], parent: string, type: string): string[] {
  return plugins.filter((p) => p.claims !== undefined && claimsDevice(p.claims, parent, type)).map((p) => p.name);
}
