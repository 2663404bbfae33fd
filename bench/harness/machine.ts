import { readFile } from 'node:fs/promises';
import { availableParallelism, loadavg, release, totalmem } from 'node:os';

export interface MachineInfo {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly kernel: string;
  readonly memoryGb: number;
  readonly postgres: string;
  /** 1-minute load average when the run started: above `nproc`, other work competed for the CPUs. */
  readonly loadAverageAtStart: number;
}

export async function machineInfo(postgres: string): Promise<MachineInfo> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
  return {
    nproc: availableParallelism(),
    cpuModel: model,
    node: process.version,
    kernel: `Linux ${release()}`,
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    postgres: /^PostgreSQL [\d.]+/.exec(postgres)?.[0] ?? postgres,
    loadAverageAtStart: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}
