// The placement hooks of core: the room a parent has for one more device, and the choice of
// parent for a placement policy. Created with the other hooks from the SDK's contract
// (lifecycle/hooks.ts); this names their type for the placement code.

import type { CoreHooks } from '../lifecycle/hooks.js';

export type CorePlacementHooks = CoreHooks['placement'];
