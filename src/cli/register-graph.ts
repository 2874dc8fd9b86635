import type { Command } from 'commander';

/**
 * Registration of the graph-side commands (extract, sample, graph stats/export), kept
 * apart from main.ts so that each command family is wired in one place.
 */
export type CommonOptions = (cmd: Command) => Command;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ActionFactory = (load: () => Promise<{ default: (opts: any, args: string[]) => Promise<number> }>) => (...all: unknown[]) => Promise<void>;

export function registerGraphCommands(_program: Command, _common: CommonOptions, _action: ActionFactory): void {}
