// The create and attrs stages of core: the one primary action of each command (recorded in the
// run's transaction with how to undo it), and writing a started device's attributes (stopping it again
// when one fails). Each change goes to the device backend that owns the parent or runs the device.

import type { DefinedDevice, DeviceBackend, KernelRefusal, LifecycleContext, MdevDevice } from '@mdevctl/plugin-sdk';
import type { Host } from '../../host/host.js';
import type { CoreHooks } from '../hooks.js';
import type { Transactions } from '../transaction.js';
import { MdevctlError, describeOsError, firstLine } from '../../model/errors.js';
import { crashPoint } from '../crash-hook.js';

export class CoreActions {
  constructor(
    private readonly host: Host,
    private readonly hooks: CoreHooks,
    private readonly journal: Transactions,
  ) {}

  async primary(ctx: LifecycleContext): Promise<true> {
    const device = requireDevice(ctx);
    const req = ctx.request;
    const store = this.host.store;
    const previous = ctx.previous;
    switch (req.action) {
      case 'define':
        store.write(device);
        this.journal.record(ctx, 'definition', () => store.remove(device.parent, device.uuid));
        break;
      case 'undefine':
        store.remove(device.parent, device.uuid);
        this.journal.record(ctx, 'removal of the definition', () => void store.write(previous ?? device));
        break;
      case 'modify':
        // --live: the live stage changed the running device already (that cannot be taken
        // back); the stored definition changes only with --defined, and can be.
        if (!req.live || req.defined) this.storeModified(ctx, device, previous);
        break;
      case 'start':
        await this.create(device);
        this.journal.record(ctx, 'start', async () => {
          if (this.host.sysfs.activeDevice(device.uuid)) await this.remove(device.uuid);
        });
        break;
      case 'stop':
        // A stopped device cannot be brought back as it was: nothing to record.
        await this.remove(device.uuid, device);
        break;
    }
    return true;
  }

  /** After a start: each attribute in order; on the first failure the device is stopped. */
  async writeAttributes(ctx: LifecycleContext): Promise<void> {
    if (ctx.action !== 'start') return;
    const device = requireDevice(ctx);
    const backend = await this.host.changes({ uuid: device.uuid });
    for (const [i, attr] of device.attrs.entries()) {
      if (i === 1) crashPoint('attr'); // test hook: between two attribute writes
      const path = backend.files.attribute(device.uuid, attr.name);
      let failure: string | undefined;
      if (!this.host.sysfs.deviceFileExists(device.uuid, attr.name)) {
        failure = `Invalid attribute '${attr.name}'`;
      } else {
        try {
          backend.writeAttribute(device.uuid, attr.name, attr.value);
        } catch (err) {
          const hint = await this.hint(backend, { operation: 'attribute', device, file: path, attribute: attr.name, value: attr.value }, err);
          failure = `Failed to write ${attr.value} to attribute ${attr.name}: ${describeOsError(err)}${hint}`;
        }
      }
      if (failure !== undefined) {
        this.journal.forget(ctx); // this stops the device itself, and reports how that went
        try {
          await this.remove(device.uuid);
        } catch (err) {
          failure += `; stopping the device failed too: ${err instanceof Error ? err.message : String(err)}`;
        }
        throw new MdevctlError(failure);
      }
    }
  }

  private storeModified(ctx: LifecycleContext, device: MdevDevice, previous: DefinedDevice | undefined): void {
    const store = this.host.store;
    // A modify that changes nothing leaves the file as it is (upstream rewrites it).
    if (previous && sameConfig(previous, device) && !store.wasNormalised(previous.path)) return;
    store.write(device);
    if (previous) this.journal.record(ctx, 'change of the definition', () => void store.write(previous));
  }

  private async create(device: MdevDevice): Promise<void> {
    const backend = await this.host.changes({ parent: device.parent });
    const path = backend.files.create(device.parent, device.type);
    try {
      backend.create(device.parent, device.type, device.uuid);
    } catch (err) {
      const hint = await this.hint(backend, { operation: 'create', device, file: path, value: device.uuid }, err);
      throw new MdevctlError(
        `Failed to create mdev ${device.uuid}, type ${device.type} on ${device.parent}: ${describeOsError(err)}${hint}`,
        { cause: err },
      );
    }
    // SPEC §5: attributes are written only to a device that really appeared.
    if (device.attrs.length > 0 && !this.host.sysfs.activeDevice(device.uuid)) {
      throw new MdevctlError(`Device ${device.uuid} did not appear in sysfs after it was created`);
    }
  }

  private async remove(uuid: string, device?: MdevDevice): Promise<void> {
    const backend = await this.host.changes({ uuid });
    const path = backend.files.remove(uuid);
    try {
      backend.remove(uuid);
    } catch (err) {
      const hint = device ? await this.hint(backend, { operation: 'remove', device, file: path, value: '1' }, err) : '';
      throw new MdevctlError(`Error removing device ${uuid}: ${describeOsError(err)}${hint}`, { cause: err });
    }
  }

  /**
   * What a plugin (or else the backend) says usually causes the kernel's refusal, as
   * `; <file>: <hint>` to append to core's message (upstream's wording, unchanged when none
   * answers). Never throws.
   */
  private async hint(backend: DeviceBackend, what: Omit<KernelRefusal, 'code' | 'errno'>, err: unknown): Promise<string> {
    const e = err as NodeJS.ErrnoException | undefined;
    if (typeof e?.code !== 'string') return '';
    const refusal: KernelRefusal = { ...what, code: e.code, errno: Math.abs(typeof e.errno === 'number' ? e.errno : 0) };
    try {
      const hint =
        (await this.hooks.query.explainRefusal.promise(refusal, { purpose: 'explain', host: this.host.view, log: this.host.log })) ??
        backend.explainRefusal?.(refusal);
      return hint === undefined || hint.trim() === '' ? '' : `; ${what.file}: ${firstLine(hint)}`;
    } catch (problem) {
      this.host.log.debug(`explaining ${e.code} failed: ${problem instanceof Error ? problem.message : String(problem)}`);
      return '';
    }
  }
}

function sameConfig(a: MdevDevice, b: MdevDevice): boolean {
  return (
    a.type === b.type &&
    a.start === b.start &&
    a.attrs.length === b.attrs.length &&
    a.attrs.every((x, i) => x.name === b.attrs[i]?.name && x.value === b.attrs[i]?.value)
  );
}

function requireDevice(ctx: LifecycleContext): MdevDevice {
  if (!ctx.device) throw new MdevctlError('Internal error: the define stage built no device');
  return ctx.device;
}
