// The device model shared by core and plugins: what a mediated device, its definition and
// its type are. Plain data, no I/O.

/** `auto` devices are started when their parent appears; `manual` ones only on request. */
export type StartPolicy = 'auto' | 'manual';

/** One device attribute: a sysfs file name under the device and the value written to it. */
export interface Attribute {
  readonly name: string;
  readonly value: string;
}

/**
 * A mediated device as mdevctl sees it: identified by uuid (lower case, hyphenated) and parent,
 * with a type, a start policy and attributes written in order after the device is created.
 */
export interface MdevDevice {
  readonly uuid: string;
  readonly parent: string;
  readonly type: string;
  readonly start: StartPolicy;
  readonly attrs: readonly Attribute[];
}

/** A definition stored under `etc/mdevctl.d/<parent>/<uuid>`. */
export interface DefinedDevice extends MdevDevice {
  /** Absolute path of the definition file. */
  readonly path: string;
}

/** A device that exists in sysfs right now (`sys/bus/mdev/devices/<uuid>`). */
export interface ActiveDevice {
  readonly uuid: string;
  readonly parent: string;
  readonly type: string;
}

/** An mdev type a parent supports (`sys/class/mdev_bus/<parent>/mdev_supported_types/<type>`). */
export interface MdevTypeInfo {
  readonly parent: string;
  readonly type: string;
  readonly availableInstances: number;
  readonly deviceApi: string;
  /** Content of the optional `name` file, trimmed; undefined when absent. */
  readonly name?: string;
  /** Content of the optional `description` file, trimmed, lines joined with `, `. */
  readonly description?: string;
}
