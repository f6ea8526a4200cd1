// PCI addresses as sysfs writes them: `domain:bus:device.function` in lower-case hex. A VF parent is
// named by its address; its physical GPU (the PF) is the basename of its `physfn` link.

const PCI_ADDRESS = /^[0-9a-f]{4,8}:[0-9a-f]{2}:[01][0-9a-f]\.[0-7]$/;

export function isPciAddress(name: string): boolean {
  return PCI_ADDRESS.test(name);
}

/** sysfs path of a PCI device, relative to the environment root. */
export function pciDir(address: string): string {
  return `sys/bus/pci/devices/${address}`;
}
