/**
 * Scenarios: the file format, the runner, recordings and their rendering. Calico kinds plug
 * in through `registerAction` / `registerExpectation` / `registerTargetResolver`.
 */
export { parseScenario, checkScenario, loadScenario, ScenarioReadError } from './format.ts';
export type { ScenarioParse, ScenarioLoad } from './format.ts';
export type { Scenario, Step, Spec } from './types.ts';
export {
  registerAction, registerExpectation, registerTargetResolver, actionKind, expectationKind, actionKeys, expectationKeys, StepError,
} from './registry.ts';
export type { ActionKind, ExpectationKind, ExpectationResult, StepContext, CheckContext, TargetResolver } from './registry.ts';
export type { LabDriver, CommandResult, SeenFrame, LinkChange, LinkStatus, CaptureFile } from './driver.ts';
export { simDriver } from './sim-driver.ts';
export { runScenario } from './run.ts';
export type { RunOptions, RunResult, StepReport, ExpectationReport } from './run.ts';
export { kernelRoutes, diffRoutes } from './routes.ts';
export { FrameStore, packetEvent, summarize } from './packet-events.ts';
export { parseDuration, resolveTarget, splitEndpoint } from './values.ts';
export { recordingOf, checkRecording, capturePcap, captureOf, toBase64, fromBase64, RecordingError, RECORDING_MAGIC, RECORDING_FORMAT } from './recording.ts';
export type { Recording, RecordedCapture } from './recording.ts';
export { encodeRecording, decodeRecording, writeRecording, readRecording } from './recording-file.ts';
export { renderEvents, progressPrinter, failureLines, showValue, hopLine } from './render.ts';
export type { RenderOptions } from './render.ts';
export { runReport } from './report.ts';
export type { RunReport } from './report.ts';
