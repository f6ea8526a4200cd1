// The define stage of core: builds ctx.device from the command's arguments, a JSON file, the
// stored definition or sysfs. Nothing is written here.

import type { Attribute, LifecycleContext, MdevDevice } from '@mdevctl/plugin-sdk';
import type { Host } from '../../host/host.js';
import type { CoreHooks } from '../hooks.js';
import { MdevctlError } from '../../model/errors.js';
import { newUuid } from '../../model/uuid.js';
import { InputFiles } from './jsonfile.js';
import { definedDevice, formatAttrs } from './lookup.js';

type Req<A extends LifecycleContext['action']> = Extract<LifecycleContext['request'], { action: A }>;

export class DeviceBuilder {
  constructor(
    private readonly host: Host,
    private readonly hooks: CoreHooks,
    private readonly inputs: InputFiles = new InputFiles(),
  ) {}

  async build(ctx: LifecycleContext): Promise<void> {
    const req = ctx.request;
    switch (req.action) {
      case 'define':
        return this.define(ctx, req);
      case 'undefine':
        return this.undefine(ctx, req);
      case 'modify':
        return this.modify(ctx, req);
      case 'start':
        return this.start(ctx, req);
      case 'stop':
        return this.stop(ctx, req);
    }
  }

  private jsonfile(path: string) {
    return this.inputs.config(path, (message) => this.host.log.warn(message));
  }

  private async define(ctx: LifecycleContext, req: Req<'define'>): Promise<void> {
    const uuid = req.uuid ?? newUuid();
    if (req.jsonfile !== undefined) {
      if (req.parent === undefined) throw new MdevctlError(`Parent device required to define device via ${req.jsonfile}`);
      const config = this.jsonfile(req.jsonfile);
      ctx.device = { uuid, parent: req.parent, ...config };
      return;
    }
    const active = req.uuid !== undefined ? this.host.sysfs.activeDevice(uuid) : undefined;
    if (active) ctx.active = active;
    if (req.parent === undefined && (!active || req.type !== undefined)) throw new MdevctlError('No parent specified');
    const parent = req.parent ?? active?.parent;
    const type = req.type ?? active?.type;
    if (parent === undefined) throw new MdevctlError('No parent specified');
    if (type === undefined) throw new MdevctlError('No type specified');
    // A running device is defined with the attributes it runs with (SPEC §8: asked before pre).
    const attrs: readonly Attribute[] = active
      ? ((await this.hooks.query.activeAttributes.promise(active, { purpose: 'define', host: this.host.view, log: this.host.log })) ?? [])
      : [];
    ctx.device = { uuid, parent, type, start: req.auto ? 'auto' : 'manual', attrs };
  }

  private undefine(ctx: LifecycleContext, req: Req<'undefine'>): void {
    const def = this.host.store.read(req.parent, req.uuid);
    if (!def) throw new MdevctlError('No devices match the specified uuid');
    ctx.previous = def;
    ctx.device = def;
  }

  private modify(ctx: LifecycleContext, req: Req<'modify'>): void {
    if (req.live) return this.modifyLive(ctx, req);
    const def = definedDevice(this.host, req.uuid, req.parent);
    ctx.previous = def;
    let device: MdevDevice;
    if (req.jsonfile !== undefined) {
      device = { uuid: def.uuid, parent: def.parent, ...this.jsonfile(req.jsonfile) };
    } else {
      const start = req.auto ? 'auto' : req.manual ? 'manual' : def.start;
      device = { uuid: def.uuid, parent: def.parent, type: req.type ?? def.type, start, attrs: def.attrs };
    }
    ctx.device = { ...device, attrs: editAttributes(device, req) };
  }

  private modifyLive(ctx: LifecycleContext, req: Req<'modify'>): void {
    if (req.jsonfile === undefined) throw new MdevctlError("'live' option must be used with 'jsonfile' option");
    const active = this.host.sysfs.activeDevice(req.uuid);
    if (!active || (req.parent !== undefined && active.parent !== req.parent)) {
      throw new MdevctlError(`Mediated device ${req.parent ? `${req.parent}/` : ''}${req.uuid} is not active`);
    }
    ctx.active = active;
    const config = this.jsonfile(req.jsonfile);
    const stored = req.defined ? definedDevice(this.host, req.uuid, active.parent) : undefined;
    if (stored) ctx.previous = stored;
    // SPEC §8: the file replaces the whole stored config, its start policy too.
    ctx.device = { uuid: req.uuid, parent: active.parent, ...config };
  }

  private start(ctx: LifecycleContext, req: Req<'start'>): void {
    if (req.jsonfile !== undefined) {
      if (req.parent === undefined) throw new MdevctlError('Parent device required to start device via json file');
      ctx.device = { uuid: req.uuid ?? newUuid(), parent: req.parent, ...this.jsonfile(req.jsonfile) };
      return;
    }
    if (req.uuid !== undefined) {
      const scan = this.host.store.scan({ uuid: req.uuid, parent: req.parent });
      const bad = scan.problems[0];
      if (bad) throw new MdevctlError(bad.message);
      if (scan.devices.length > 1) {
        throw new MdevctlError(`Multiple definitions found for device ${req.uuid}. Please specify a parent.`);
      }
      const def = scan.devices[0];
      if (def) {
        if (req.type !== undefined && req.type !== def.type) {
          throw new MdevctlError(`Device ${def.uuid} already exists on parent ${def.parent} with type ${def.type}`);
        }
        ctx.device = { uuid: def.uuid, parent: def.parent, type: def.type, start: def.start, attrs: def.attrs };
        return;
      }
    }
    if (req.type !== undefined && req.parent === undefined) throw new MdevctlError("can't provide type without parent");
    if (req.type === undefined || req.parent === undefined) {
      if (req.uuid === undefined || req.type !== undefined) throw new MdevctlError('Device is insufficiently specified');
      const where = req.parent !== undefined ? ` on parent ${req.parent}` : '';
      if (this.host.sysfs.activeDevice(req.uuid)) {
        throw new MdevctlError(`Device ${req.uuid} already exists: it is running (and not defined${where})`);
      }
      throw new MdevctlError(
        `Device ${req.uuid} is neither defined${where} nor running; to start it as a transient device, give its parent and type (-p PARENT -t TYPE)`,
      );
    }
    ctx.device = { uuid: req.uuid ?? newUuid(), parent: req.parent, type: req.type, start: 'manual', attrs: [] };
  }

  private stop(ctx: LifecycleContext, req: Req<'stop'>): void {
    const active = this.host.sysfs.activeDevice(req.uuid);
    if (!active) throw new MdevctlError(`Mediated device ${req.uuid} is not active`);
    ctx.active = active;
    ctx.device = { uuid: active.uuid, parent: active.parent, type: active.type, start: 'manual', attrs: [] };
  }
}

/** Applies --addattr/--value/--index and --delattr/--index to a device's attribute list. */
function editAttributes(device: MdevDevice, req: Req<'modify'>): readonly Attribute[] {
  const attrs = [...device.attrs];
  if (req.addattr !== undefined) {
    if (req.value === undefined) throw new MdevctlError('No attribute value provided');
    const at = req.index ?? attrs.length;
    if (at > attrs.length) throw badIndex(device, at);
    attrs.splice(at, 0, { name: req.addattr, value: req.value });
  } else if (req.delattr) {
    // SPEC §8: the last of no attributes is nothing to delete, no error and no change (an index is checked).
    if (attrs.length === 0 && req.index === undefined) return attrs;
    const at = req.index ?? attrs.length - 1;
    if (at >= attrs.length) throw badIndex(device, at);
    attrs.splice(at, 1);
  }
  return attrs;
}

function badIndex(device: MdevDevice, index: number): MdevctlError {
  const current = device.attrs.length === 0 ? `device ${device.uuid} has no attributes` : `attributes are ${formatAttrs(device.attrs)}`;
  return new MdevctlError(`Attribute index ${index} is invalid: ${current}`);
}
