// Entry of the detached process that makes a GPU's nvidia/ dirs appear late (late.ts).

import { runLateNvidia } from './late.js';
import { SimulatedKernel } from './kernel.js';

void runLateNvidia(process.argv.slice(2), (root, gpu, generation) => {
  SimulatedKernel.open(root).settle(gpu, generation);
});
