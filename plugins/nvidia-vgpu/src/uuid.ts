// The uuid of a vGPU that another tool started (Proxmox, a hand-written unit, vgpu-device-manager):
// the kernel keeps no uuid for a vendor-VFIO vGPU, the VF's address is its identity. mdevctl lists
// such a vGPU with a uuid derived from that address, the same on every run and every host:
//
//   UUIDv5(namespace URL 6ba7b811-9dad-11d1-80b4-00c04fd430c8, "nvidia-vgpu://<VF address>")
//
// (python3 -c 'import uuid; print(uuid.uuid5(uuid.NAMESPACE_URL, "nvidia-vgpu://0000:41:00.4"))'
// prints the same), so `mdevctl define -u <that uuid>` adopts it as upstream adopts a device made
// through sysfs.

import { createHash } from 'node:crypto';

const NAMESPACE_URL = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

/** RFC 4122 version 5 (SHA-1) uuid of `name` in `namespace`. */
export function uuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replaceAll('-', ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x50;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The uuid mdevctl gives a vGPU it did not start: derived from its VF's address. */
export function derivedUuid(vf: string): string {
  return uuidV5(NAMESPACE_URL, `nvidia-vgpu://${vf.toLowerCase()}`);
}
