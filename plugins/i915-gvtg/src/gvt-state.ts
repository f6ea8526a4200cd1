// Why a GVT-g capable GPU shows no vGPU types: the PCI device's driver, the i915 module
// parameter enable_gvt (read-only, set on the kernel command line) and whether kvmgt — the module
// that registers the GPU with mdev — is loaded. Read through the host view (sysfs under the root).

import type { HostView } from '@mdevctl/plugin-sdk';

const PCI_ADDRESS = /^[0-9a-f]{4,8}:[0-9a-f]{2}:[01][0-9a-f]\.[0-7]$/;

/** Why `parent` cannot be a GVT-g parent (a PCI address), or undefined when it can. */
export function pciAddressProblem(parent: string): string | undefined {
  if (PCI_ADDRESS.test(parent)) return undefined;
  const hint = PCI_ADDRESS.test(parent.toLowerCase()) ? ` (sysfs writes it in lower case: '${parent.toLowerCase()}')` : '';
  return `Invalid GVT-g parent '${parent}': an i915 GPU is named by its PCI address domain:bus:device.function, like 0000:00:02.0${hint}`;
}

/** True when the GPU is registered with mdev and shows at least one type. */
export function showsTypes(host: HostView, pci: string): boolean {
  return host.parents().includes(pci) && host.types(pci).length > 0;
}

/**
 * What keeps GVT-g off for a present PCI device that shows no mdev types, as one sentence naming
 * the fix; undefined when there is no such PCI device (nothing to add to "no such parent").
 */
export function gvtOffReason(host: HostView, pci: string): string | undefined {
  const uevent = host.readFile(`sys/bus/pci/devices/${pci}/uevent`);
  if (uevent === undefined) return undefined;
  const driver = /^DRIVER=(.+)$/m.exec(uevent)?.[1]?.trim();
  if (driver !== 'i915') {
    return `PCI device ${pci} is ${driver !== undefined ? `bound to ${driver}` : 'not bound to any driver'}; GVT-g needs an Intel GPU driven by i915`;
  }
  const param = host.readFile('sys/module/i915/parameters/enable_gvt')?.trim();
  const kvmgt = host.readFile('sys/module/kvmgt/initstate') !== undefined;
  const load = kvmgt ? '' : ' and load the kvmgt module (modprobe kvmgt)';
  if (param === undefined) {
    return `GVT-g is not available on ${pci}: i915 has no enable_gvt parameter (a kernel built with CONFIG_DRM_I915_GVT_KVMGT is needed), then boot with i915.enable_gvt=1${load}`;
  }
  if (param !== 'Y' && param !== '1') return `GVT-g is off on ${pci}: boot with the kernel parameter i915.enable_gvt=1${load}`;
  if (!kvmgt) return `GVT-g is on but kvmgt is not loaded (it registers ${pci}'s vGPU types): modprobe kvmgt`;
  return `GVT-g is on and kvmgt is loaded, but ${pci} registered no vGPU types: GVT-g supports Intel GPUs from Broadwell to Comet Lake only (see the kernel log)`;
}
