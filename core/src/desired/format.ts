// How apply, diff and assert print a plan: one line per step for people, or
// {"changed": bool, "actions": [...]} for tools (Ansible's `changed`, monitoring).

import type { Plan, Step } from './plan.js';

export interface ActionJson {
  readonly action: Step['action'];
  readonly parent: string;
  readonly uuid: string;
  readonly type: string;
  readonly for: string;
  readonly detail?: string;
}

export function actionJson(s: Step): ActionJson {
  const base = { action: s.action, parent: s.parent, uuid: s.uuid, type: s.type, for: s.what };
  return s.detail !== undefined ? { ...base, detail: s.detail } : base;
}

export function formatPlanJson(plan: Plan, changed: boolean, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ changed, ...extra, actions: plan.steps.map(actionJson) }, null, 2)}\n`;
}

/** `define   mdpy/<uuid> mdpy-vga (request desktops #0)`, one line per step. */
export function formatPlanText(plan: Plan): string {
  return plan.steps.map((s) => `${formatStep(s)}\n`).join('');
}

export function formatStep(s: Step): string {
  return `${s.action.padEnd(8)} ${s.parent}/${s.uuid} ${s.type} (${s.what}${s.detail !== undefined ? `: ${s.detail}` : ''})`;
}
