// An example mdevctl plugin for the kernel's mdpy sample display driver (parent `mdpy`, types
// `mdpy-vga`, `mdpy-xga`, `mdpy-hd`). Copy this package to start a vendor plugin. It shows:
//  - claims: it sees only mdpy devices and types;
//  - validation that rejects: at most `maxDefined` definitions per parent (read through HostView);
//  - a warning that never refuses: the parent is not present (it may appear later);
//  - listing data, shown only with `mdevctl list -x` / `types -x`: a line and a JSON field.

import {
  SDK_VERSION,
  type Diagnostics,
  type LifecycleContext,
  type MdevctlHooks,
  type MdevctlPlugin,
} from '@mdevctl/plugin-sdk';

export const PLUGIN_NAME = 'example-mdpy';

export interface ExampleOptions {
  /** How many mdpy devices one parent may have defined (default 4). */
  readonly maxDefined?: number;
}

/** The display each mdpy type emulates. */
const DISPLAYS: Record<string, { width: number; height: number }> = {
  'mdpy-vga': { width: 640, height: 480 },
  'mdpy-xga': { width: 1024, height: 768 },
  'mdpy-hd': { width: 1920, height: 1080 },
};

export class ExampleMdpyPlugin implements MdevctlPlugin {
  readonly name = PLUGIN_NAME;
  readonly sdkVersion = SDK_VERSION;
  readonly claims = { parents: ['mdpy'], types: (type: string) => type.startsWith('mdpy-') };
  private readonly maxDefined: number;

  constructor(options: ExampleOptions = {}) {
    const max = options.maxDefined ?? 4;
    // Bad options fail the plugin's loading; mdevctl reports `Plugin <name> failed to load: …`.
    if (!Number.isInteger(max) || max < 1) throw new Error(`maxDefined must be a whole number from 1, not ${String(max)}`);
    this.maxDefined = max;
  }

  apply(hooks: MdevctlHooks): void {
    hooks.lifecycle.validate.tap(PLUGIN_NAME, (ctx, diagnostics) => this.validate(ctx, diagnostics));
    hooks.listing.device.tap(PLUGIN_NAME, (listing) => {
      const display = DISPLAYS[listing.device.type];
      if (!display) return;
      listing.line(`Display: ${display.width}x${display.height}`);
      listing.field('display', { width: display.width, height: display.height });
    });
    hooks.listing.type.tap(PLUGIN_NAME, (listing) => {
      const display = DISPLAYS[listing.type.type];
      if (display) listing.line(`Display: ${display.width}x${display.height}`);
    });
  }

  /** Runs before anything is written; every problem goes into `diagnostics`. */
  private validate(ctx: LifecycleContext, diagnostics: Diagnostics): void {
    const device = ctx.device;
    if (ctx.action !== 'define' || !device) return;
    // Other definitions (and running devices) are read through the host view, never from disk.
    const others = ctx.host.definitions({ parent: device.parent }).filter((d) => d.uuid !== device.uuid);
    if (others.length >= this.maxDefined) {
      diagnostics.error(PLUGIN_NAME, `Parent ${device.parent} already has ${others.length} defined devices; the limit is ${this.maxDefined}`);
    }
    // A device may be defined for a parent that appears later: warn, never refuse.
    if (!ctx.host.parents().includes(device.parent)) {
      diagnostics.warn(PLUGIN_NAME, `Parent ${device.parent} is not present now`);
    }
  }
}
