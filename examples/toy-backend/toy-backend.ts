// toy-backend.ts — an mdevctl plugin with a device backend for "toy" devices, which are not
// mediated devices: each directory under sys/bus/toy/devices is a parent with one slot. Its
// `types` file lists what the slot can hold (`<type> <name>` per line); writing `<type> <uuid>` to
// its `slot` file makes the device, writing `none` removes it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SDK_VERSION, type ActiveDevice, type BackendHost, type DeviceBackend, type MdevctlPlugin, type MdevTypeInfo } from '@mdevctl/plugin-sdk';

const BUS = 'sys/bus/toy/devices';

function toyBackend(host: BackendHost): DeviceBackend {
  const file = (parent: string, name: string) => join(host.root, BUS, parent, name);
  const slotFile = (parent: string) => file(parent, 'slot');
  const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : undefined);
  const parents = () =>
    existsSync(join(host.root, BUS)) ? readdirSync(join(host.root, BUS)).filter((p) => existsSync(slotFile(p))) : [];
  const slot = (parent: string): ActiveDevice | undefined => {
    const [type = '', uuid] = (read(slotFile(parent)) ?? '').trim().split(' ');
    return uuid === undefined ? undefined : { uuid, parent, type };
  };
  const types = (parent: string): MdevTypeInfo[] =>
    (read(file(parent, 'types')) ?? '')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const [type = '', ...name] = line.split(' ');
        return { parent, type, name: name.join(' '), deviceApi: 'vfio-pci', availableInstances: slot(parent) ? 0 : 1 };
      })
      .sort((a, b) => (a.type < b.type ? -1 : 1));
  const running = () => parents().flatMap((p) => slot(p) ?? []);
  const find = (uuid: string) => running().find((d) => d.uuid === uuid);
  return {
    name: 'toy',
    watch: { kind: 'timer', intervalMs: 2000 }, // toys send no uevents
    parents,
    parentState: (parent) => (parents().includes(parent) ? 'ready' : undefined),
    types,
    hasType: (parent, type) => types(parent).some((t) => t.type === type),
    availableInstances: (parent, type) => types(parent).find((t) => t.type === type)?.availableInstances ?? 0,
    activeDevices: (filter = {}) =>
      running().filter((d) => (filter.uuid ?? d.uuid) === d.uuid && (filter.parent ?? d.parent) === d.parent),
    activeDevice: find,
    hasAttribute: () => false, // toys have no attributes: core refuses any before writing
    writeAttribute: () => {
      throw new Error('toys have no attributes');
    },
    explainRefusal: (refusal) => (refusal.code === 'EBUSY' ? 'the toy is in use' : undefined),
    create: (parent, type, uuid) => host.write(slotFile(parent), `${type} ${uuid}`),
    remove: (uuid) => host.write(slotFile(find(uuid)?.parent ?? ''), 'none'),
    files: {
      create: (parent) => slotFile(parent),
      remove: (uuid) => slotFile(find(uuid)?.parent ?? ''),
      attribute: (uuid, name) => file(find(uuid)?.parent ?? '', name),
    },
  };
}

export default function createPlugin(): MdevctlPlugin {
  return {
    name: 'toy',
    sdkVersion: SDK_VERSION,
    backends: [{ name: 'toy', detect: (host) => existsSync(join(host.root, BUS)), open: toyBackend }],
    apply() {}, // no hooks: the backend is all this plugin brings
  };
}
