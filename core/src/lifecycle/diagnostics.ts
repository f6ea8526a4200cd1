// The shared list every validate tap reports into: the SDK's (the test harness uses the same).

export { DiagnosticList } from '@mdevctl/plugin-sdk';
