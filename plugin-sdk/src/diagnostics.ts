// The shared list every validate tap reports into (core's and the test harness's).

import type { Diagnostic, Diagnostics } from './context.js';

export class DiagnosticList implements Diagnostics {
  private readonly list: Diagnostic[] = [];

  get items(): readonly Diagnostic[] {
    return this.list;
  }

  error(source: string, message: string): void {
    this.list.push({ severity: 'error', source, message });
  }

  warn(source: string, message: string): void {
    this.list.push({ severity: 'warning', source, message });
  }

  hasErrors(): boolean {
    return this.list.some((d) => d.severity === 'error');
  }

  errors(): string[] {
    return this.list.filter((d) => d.severity === 'error').map((d) => d.message);
  }

  warnings(): string[] {
    return this.list.filter((d) => d.severity === 'warning').map((d) => d.message);
  }
}
