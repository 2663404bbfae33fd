export { startZepEmulator, DEFAULT_EMULATOR_API_KEY } from './zep-emulator.js';
export type { ZepEmulator, ZepEmulatorOptions } from './zep-emulator.js';
export type { FaultSettings } from './fault-injector.js';
export type { RequestStatsSnapshot } from './request-stats.js';
