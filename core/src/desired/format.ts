// How apply, diff and assert print a plan: one line per step for people (names escaped as in
// `list`: a sysfs name cannot forge a line), or {"changed": bool, "actions": [...], "error"?}
// for tools (Ansible's `changed`, monitoring) — one object for every outcome, failures included.

import { textSafe, wellFormed } from '../output/escape.js';
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
  const base = { action: s.action, parent: wellFormed(s.parent), uuid: s.uuid, type: wellFormed(s.type), for: wellFormed(s.what) };
  return s.detail !== undefined ? { ...base, detail: wellFormed(s.detail) } : base;
}

export function formatPlanJson(plan: Plan | undefined, changed: boolean, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ changed, ...extra, actions: (plan?.steps ?? []).map(actionJson) }, null, 2)}\n`;
}

/** The one JSON object of a failed run: the plan (when there was one) and the error as on stderr. */
export function formatErrorJson(plan: Plan | undefined, changed: boolean, error: string, extra: Record<string, unknown> = {}): string {
  const value = { changed, ...extra, actions: (plan?.steps ?? []).map(actionJson), error: wellFormed(error) };
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** `define   mdpy/<uuid> mdpy-vga (request desktops #0)`, one line per step. */
export function formatPlanText(plan: Plan): string {
  return plan.steps.map((s) => `${formatStep(s)}\n`).join('');
}

export function formatStep(s: Step): string {
  return textSafe(`${s.action.padEnd(8)} ${s.parent}/${s.uuid} ${s.type} (${s.what}${s.detail !== undefined ? `: ${s.detail}` : ''})`);
}
